#include <janitor/sm_client/secure_json.hpp>

#include <boost/json/stream_parser.hpp>

#include <openssl/crypto.h>

#include <cstddef>
#include <cstring>
#include <new>

namespace janitor::sm {
namespace {

// Each block carries its own size in a header: the size passed to deallocate
// is not trusted (Boost.JSON's value stack frees with a different size than it
// asked for), and the wipe must cover exactly what was handed out.
class wiping_resource final : public boost::json::memory_resource {
  static constexpr std::size_t header = alignof(std::max_align_t);

  void* do_allocate(std::size_t n, std::size_t align) override {
    if (align > header) throw std::bad_alloc();
    auto* base = static_cast<unsigned char*>(::operator new(n + header));
    std::memcpy(base, &n, sizeof n);
    return base + header;
  }
  void do_deallocate(void* p, std::size_t, std::size_t) override {
    auto* base = static_cast<unsigned char*>(p) - header;
    std::size_t n = 0;
    std::memcpy(&n, base, sizeof n);
    OPENSSL_cleanse(p, n);
    ::operator delete(base);
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
