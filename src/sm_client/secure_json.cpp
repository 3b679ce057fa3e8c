#include <janitor/sm_client/secure_json.hpp>

#include <boost/json/stream_parser.hpp>

#include <openssl/crypto.h>

#include <new>

namespace janitor::sm {
namespace {

class wiping_resource final : public boost::json::memory_resource {
  void* do_allocate(std::size_t n, std::size_t align) override {
    return ::operator new(n, std::align_val_t(align));
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    OPENSSL_cleanse(p, n);
    ::operator delete(p, n, std::align_val_t(align));
  }
  bool do_is_equal(const memory_resource& o) const noexcept override { return this == &o; }
};

}  // namespace

boost::json::storage_ptr wiping_storage() {
  static wiping_resource resource;
  return boost::json::storage_ptr(&resource);
}

boost::json::value parse_secure_json(std::string_view text, boost::system::error_code& ec) {
  unsigned char scratch[4096];
  boost::json::parse_options opt;
  opt.max_depth = 64;
  boost::json::value out;
  {
    boost::json::stream_parser p(wiping_storage(), opt, scratch, sizeof scratch);
    p.reset(wiping_storage());
    p.write(text.data(), text.size(), ec);
    if (!ec) p.finish(ec);
    if (!ec) out = p.release();
  }
  OPENSSL_cleanse(scratch, sizeof scratch);
  return out;
}

}  // namespace janitor::sm

#include <boost/json/serializer.hpp>

namespace janitor::sm {

secure_string serialize_secure_json(const boost::json::value& v) {
  secure_string out;
  char buf[1024];
  boost::json::serializer sr;  // keeps pointers into `v`, never copies of its strings
  sr.reset(&v);
  while (!sr.done()) out.append(sr.read(buf, sizeof buf));
  OPENSSL_cleanse(buf, sizeof buf);
  return out;
}

void append_json_string(secure_string& out, std::string_view s) {
  const boost::json::value v(boost::json::string(s, wiping_storage()));
  out.append(serialize_secure_json(v).view());
}

}  // namespace janitor::sm
