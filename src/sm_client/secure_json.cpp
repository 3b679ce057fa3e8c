#include <janitor/sm_client/secure_json.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/stream_parser.hpp>

#include <openssl/crypto.h>

#include <algorithm>
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

// A bump allocator for one parsed document: nothing is freed until the
// document is, then every block is wiped and freed at once. One or two
// allocations per document instead of one (and a wipe) per string and
// container.
class wiping_arena final : public boost::json::memory_resource {
  struct block {
    block* next;
    std::size_t size;  // bytes after the header
    std::size_t used;
  };
  static constexpr std::size_t header =
      (sizeof(block) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);

 public:
  explicit wiping_arena(std::size_t first_block) : next_size_(std::max<std::size_t>(first_block, 256)) {}
  wiping_arena(const wiping_arena&) = delete;
  wiping_arena& operator=(const wiping_arena&) = delete;
  ~wiping_arena() override {
    while (head_ != nullptr) {
      block* b = head_;
      head_ = b->next;
      OPENSSL_cleanse(reinterpret_cast<unsigned char*>(b) + header, b->used);
      ::operator delete(b);
    }
  }

 private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    if (align > alignof(std::max_align_t)) throw std::bad_alloc();
    if (head_ != nullptr) {
      const std::size_t at = (head_->used + align - 1) / align * align;
      if (at <= head_->size && n <= head_->size - at) {
        head_->used = at + n;
        return reinterpret_cast<unsigned char*>(head_) + header + at;
      }
    }
    const std::size_t size = std::max(n, next_size_);
    next_size_ = std::min<std::size_t>(size * 2, std::size_t{1} << 20);
    auto* b = static_cast<block*>(::operator new(header + size));
    b->next = head_;
    b->size = size;
    b->used = n;
    head_ = b;
    return reinterpret_cast<unsigned char*>(b) + header;
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // all at once, in the destructor
  bool do_is_equal(const memory_resource& o) const noexcept override { return this == &o; }

  block* head_ = nullptr;
  std::size_t next_size_;
};

}  // namespace

boost::json::storage_ptr wiping_storage() {
  static wiping_resource resource;
  return boost::json::storage_ptr(&resource);
}

bool is_wiping_storage(const boost::json::storage_ptr& sp) {
  // make_shared_resource wraps the arena in this (detail) type; Boost is pinned
  // by the Debian release, and the tests would catch a change of it.
  return dynamic_cast<const wiping_resource*>(sp.get()) != nullptr ||
         dynamic_cast<const boost::json::detail::shared_resource_impl<wiping_arena>*>(sp.get()) != nullptr;
}

boost::json::value parse_secure_json(std::string_view text, boost::system::error_code& ec) {
  unsigned char scratch[4096];
  boost::json::parse_options opt;
  opt.max_depth = 64;
  // The document lives in an arena of its own, wiped when the last value
  // using it goes. `out` has the same storage as the parser's result, so that
  // release() is moved in: into a default-storage value it would be copied,
  // secret text and all, into memory that is never wiped.
  const boost::json::storage_ptr arena = boost::json::make_shared_resource<wiping_arena>(text.size() + 512);
  boost::json::value out(arena);
  {
    boost::json::stream_parser p(wiping_storage(), opt, scratch, sizeof scratch);
    p.reset(arena);
    p.write(text.data(), text.size(), ec);
    if (!ec) p.finish(ec);
    if (!ec) out = p.release();
  }
  OPENSSL_cleanse(scratch, sizeof scratch);
  return out;
}

namespace {

// A handler that builds nothing: the parser checks syntax, UTF-8 and depth;
// only the kind of the top-level value is kept.
struct kind_only_handler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  using string_view = boost::json::string_view;
  using error_code = boost::system::error_code;

  boost::json::kind top = boost::json::kind::null;
  int depth = 0;

  void seen(boost::json::kind k) {
    if (depth == 0) top = k;
  }
  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return seen(boost::json::kind::array), ++depth, true; }
  bool on_array_end(std::size_t, error_code&) { return --depth, true; }
  bool on_object_begin(error_code&) { return seen(boost::json::kind::object), ++depth, true; }
  bool on_object_end(std::size_t, error_code&) { return --depth, true; }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return seen(boost::json::kind::string), true; }
  bool on_key_part(string_view, std::size_t, error_code&) { return true; }
  bool on_key(string_view, std::size_t, error_code&) { return true; }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return seen(boost::json::kind::int64), true; }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return seen(boost::json::kind::uint64), true; }
  bool on_double(double, string_view, error_code&) { return seen(boost::json::kind::double_), true; }
  bool on_bool(bool, error_code&) { return seen(boost::json::kind::bool_), true; }
  bool on_null(error_code&) { return seen(boost::json::kind::null), true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace

boost::json::kind validate_json(std::string_view text, boost::system::error_code& ec) {
  boost::json::parse_options opt;
  opt.max_depth = 64;
  boost::json::basic_parser<kind_only_handler> p(opt);
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = boost::json::error::extra_data;
  return p.handler().top;
}

}  // namespace janitor::sm

#include <boost/json/serializer.hpp>

namespace janitor::sm {

namespace {

// The serializer keeps pointers into its source, never copies of its strings;
// its output goes through a stack buffer that is wiped after.
template <class Source>
void append_serialized(secure_string& out, const Source& source) {
  char buf[1024];
  std::size_t used = 0;
  boost::json::serializer sr;
  sr.reset(source);
  while (!sr.done()) {
    const auto piece = sr.read(buf, sizeof buf);
    used = std::max(used, piece.size());
    out.append(piece);
  }
  OPENSSL_cleanse(buf, used);
}

}  // namespace

secure_string serialize_secure_json(const boost::json::value& v) {
  secure_string out;
  append_serialized(out, &v);
  return out;
}

void append_json_string(secure_string& out, std::string_view s) {
  // Most strings (ids, tokens, labels) need no escape: the bytes between quotes
  // are exactly what the serializer would write.
  const bool plain = std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
  });
  if (plain) {
    out.append("\"");
    out.append(s);
    out.append("\"");
    return;
  }
  append_serialized(out, boost::json::string_view(s.data(), s.size()));
}

json_object_writer::json_object_writer() { out_.append("{"); }

void json_object_writer::key(std::string_view k) {
  if (!first_) out_.append(",");
  first_ = false;
  append_json_string(out_, k);
  out_.append(":");
}

json_object_writer& json_object_writer::string(std::string_view k, std::string_view v) {
  key(k);
  append_json_string(out_, v);
  return *this;
}

json_object_writer& json_object_writer::boolean(std::string_view k, bool v) {
  key(k);
  out_.append(v ? "true" : "false");
  return *this;
}

json_object_writer& json_object_writer::integer(std::string_view k, long long v) {
  key(k);
  out_.append(std::to_string(v));
  return *this;
}

json_object_writer& json_object_writer::strings(std::string_view k, const std::vector<std::string>& vs) {
  key(k);
  out_.append("[");
  for (std::size_t i = 0; i < vs.size(); ++i) {
    if (i > 0) out_.append(",");
    append_json_string(out_, vs[i]);
  }
  out_.append("]");
  return *this;
}

secure_string json_object_writer::finish() && {
  out_.append("}");
  return std::move(out_);
}

}  // namespace janitor::sm
