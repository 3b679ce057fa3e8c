#include <janitor/sm_client/recording.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include "cassette_detail.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace janitor::sm {
namespace json = boost::json;
// Shared with the transports in recording.cpp (cassette_detail.hpp).
namespace detail {

constexpr std::string_view format_name = "janitor-async-cassette";
constexpr std::string_view binary_placeholder = "cmVkYWN0ZWQ=";  // base64("redacted")

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

bool from_hex(std::string_view hex, secure_string& out) {
  if (hex.size() % 2 != 0 || hex.empty()) return false;
  auto v = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = v(hex[i]);
    const int lo = v(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string operation_of(const http_request& req) {
  std::string_view t = req.header("X-Amz-Target");
  if (auto dot = t.find('.'); dot != std::string_view::npos) t.remove_prefix(dot + 1);
  return std::string(t);
}

// A body as JSON (default storage: only redacted or plaintext-by-request data lands here).
json::value body_value(std::string_view body) {
  boost::system::error_code ec;
  json::value v = parse_secure_json(body, ec);
  if (ec) return json::string(body);
  return json::value(v, json::storage_ptr());
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_iso_time(std::string_view s) {
  std::tm tm{};
  const std::string str(s);
  const char* end = ::strptime(str.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // system_clock counts nanoseconds: keep to years it can hold.
  if (tm.tm_year < 70 || tm.tm_year >= 300) return std::nullopt;
  return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

const char* errc_name(errc e) {
  switch (e) {
    case errc::network:
      return "network";
    case errc::timeout:
      return "timeout";
    case errc::tls:
      return "tls";
    case errc::malformed_response:
      return "malformed_response";
    case errc::response_too_large:
      return "response_too_large";
    case errc::cancelled:
      return "cancelled";
    default:
      return "network";
  }
}

errc errc_from_name(std::string_view n) {
  for (errc e : {errc::network, errc::timeout, errc::tls, errc::malformed_response, errc::response_too_large,
                 errc::cancelled}) {
    if (n == errc_name(e)) return e;
  }
  return errc::network;
}

json::object exchange_json(const recorded_exchange& x) {
  json::object req;
  req["method"] = x.method;
  req["target"] = x.target;
  req["operation"] = x.operation;
  req["body"] = x.body;
  json::object o;
  o["request"] = std::move(req);
  if (x.failure) {
    json::object f;
    f["code"] = errc_name(static_cast<errc>(x.failure->code.value()));
    f["message"] = x.failure->message;
    f["maybe_applied"] = x.failure->maybe_applied;
    o["failure"] = std::move(f);
  } else {
    json::object res;
    res["status"] = x.status;
    json::object h;
    for (const auto& f : x.headers) h[f.name] = f.value;
    res["headers"] = std::move(h);
    res["body"] = x.response_body;
    o["response"] = std::move(res);
  }
  return o;
}

// What of a request is compared on replay: SecretString by meaning (parsed when it is JSON).
json::value comparable(const json::value& body) {
  json::value v = body;
  if (auto* o = v.if_object()) {
    if (auto* s = o->if_contains("SecretString"); s != nullptr && s->is_string()) {
      boost::system::error_code ec;
      json::value parsed = json::parse(s->as_string(), ec);
      if (!ec) *s = json::object{{"(parsed SecretString)", std::move(parsed)}};
    }
  }
  return v;
}

// Names the fields that differ; values are shown only for fields that never hold secrets.
std::string describe_difference(const json::value& recorded, const json::value& sent) {
  if (!recorded.is_object() || !sent.is_object()) return "the body differs";
  std::string out;
  const auto& r = recorded.as_object();
  const auto& s = sent.as_object();
  for (const auto& [k, v] : r) {
    const auto* other = s.if_contains(k);
    if (other == nullptr) {
      out += " field " + std::string(k) + " is missing;";
    } else if (*other != v) {
      if (k == "SecretString" && v.is_object() && other->is_object()) {
        const auto& rv = v.as_object().begin()->value();
        const auto& sv = other->as_object().begin()->value();
        out += " SecretString differs";
        if (rv.is_object() && sv.is_object()) {
          out += " in keys:";
          for (const auto& [rk, rval] : rv.as_object()) {
            const auto* sval = sv.as_object().if_contains(rk);
            if (sval == nullptr || *sval != rval) out += " " + json::serialize(json::string(rk));
          }
          for (const auto& [sk, sval] : sv.as_object()) {
            if (!rv.as_object().contains(sk)) out += " " + json::serialize(json::string(sk)) + "(added)";
          }
        }
        out += ";";
      } else if (k == "SecretString" || k == "SecretBinary") {
        out += " " + std::string(k) + " differs;";
      } else {
        out += " " + std::string(k) + ": recorded " + json::serialize(v) + ", sent " +
               json::serialize(*other) + ";";
      }
    }
  }
  for (const auto& [k, v] : s) {
    if (!r.contains(k)) out += " field " + std::string(k) + " was not in the recording;";
  }
  return out.empty() ? "the body differs" : out;
}

error_info cassette_error(std::string message) {
  error_info e;
  e.code = errc::invalid_cassette;
  e.message = std::move(message);
  return e;
}

}  // namespace detail
using namespace detail;

std::string random_key_hex() {
  unsigned char k[32];
  if (RAND_bytes(k, sizeof k) != 1) throw std::runtime_error("OpenSSL: no randomness");
  std::string hex = to_hex(k, sizeof k);
  OPENSSL_cleanse(k, sizeof k);
  return hex;
}

redactor::redactor(std::string key_hex) {
  if (!from_hex(key_hex, key_)) key_.clear();
  OPENSSL_cleanse(key_hex.data(), key_hex.size());
}

std::string redactor::string_placeholder(std::string_view value) const {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), mac, &len);
  return "redacted:" + to_hex(mac, 10);
}

std::string redactor::redact_secret_string(std::string_view secret_string) const {
  if (!active()) return std::string(secret_string);
  boost::system::error_code ec;
  json::value v = parse_secure_json(secret_string, ec);
  if (ec) return string_placeholder(secret_string);
  // Strings stay strings, numbers stay numbers: the redacted document has the
  // same shape and the same equalities as the real one.
  std::function<void(json::value&)> walk = [&](json::value& x) {
    switch (x.kind()) {
      case json::kind::string:
        x = json::string(string_placeholder(x.as_string()), x.storage());
        break;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_: {
        const std::string p = string_placeholder("n:" + json::serialize(x));
        std::uint64_t n = 1;
        for (int i = 0; i < 15; ++i) n = n * 10 + static_cast<std::uint64_t>(p[9 + i] % 10);
        x = n;
        break;
      }
      case json::kind::array:
        for (auto& e : x.as_array()) walk(e);
        break;
      case json::kind::object:
        for (auto& kv : x.as_object()) walk(kv.value());
        break;
      default:
        break;
    }
  };
  walk(v);
  return json::serialize(v);
}

void redactor::redact_body(json::value& body) const {
  if (!active() || !body.is_object()) return;
  auto& o = body.as_object();
  if (auto* s = o.if_contains("SecretString"); s != nullptr && s->is_string()) {
    *s = redact_secret_string(s->as_string());
  }
  if (auto* b = o.if_contains("SecretBinary"); b != nullptr) *b = binary_placeholder;
}

bool save_cassette(const cassette& c, const std::filesystem::path& path, error_info& err) {
  std::ostringstream os;
  os << "{\n  \"format\": \"" << format_name << "\",\n  \"version\": " << cassette_version << ",\n";
  os << "  \"redaction\": "
     << (c.plaintext ? std::string(R"({"mode": "none"})")
                     : R"({"mode": "hmac-sha256", "key": ")" + c.redaction_key_hex + "\"}")
     << ",\n";
  json::array tokens;
  for (const auto& t : c.tokens) tokens.emplace_back(t);
  os << "  \"tokens\": " << json::serialize(tokens) << ",\n";
  os << "  \"clock\": \"" << iso_time(c.clock) << "\",\n";
  os << "  \"exchanges\": [";
  for (std::size_t i = 0; i < c.exchanges.size(); ++i) {
    os << (i ? ",\n    " : "\n    ") << json::serialize(exchange_json(c.exchanges[i]));
  }
  os << "\n  ]\n}\n";
  const std::string text = os.str();

  const std::string tmp_template =
      (path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path()) /
      (path.filename().string() + ".tmp.XXXXXX");
  std::string tmp = tmp_template;
  const int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0) {
    err = cassette_error("cannot create a file next to " + path.string());
    return false;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == text.size() && ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    err = cassette_error("cannot write " + path.string());
    return false;
  }
  return true;
}

std::optional<cassette> load_cassette(const std::filesystem::path& path, error_info& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = cassette_error("cannot read the recording " + path.string());
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.size() > (64u << 20)) {
    err = cassette_error(path.string() + " is larger than 64 MiB");
    return std::nullopt;
  }
  return parse_cassette(text, path.string(), err);
}

std::optional<cassette> parse_cassette(std::string_view text, std::string_view label, error_info& err) {
  boost::system::error_code ec;
  json::parse_options popt;
  popt.max_depth = 64;
  const json::value v = json::parse(text, ec, {}, popt);
  const std::string where = "recording " + std::string(label) + ": ";
  if (ec) {
    err = cassette_error(where + "not valid JSON (" + ec.message() + "): damaged or truncated");
    return std::nullopt;
  }
  auto bad = [&](std::string why) -> std::optional<cassette> {
    err = cassette_error(where + why);
    return std::nullopt;
  };
  if (!v.is_object()) return bad("not a JSON object");
  const auto& o = v.as_object();
  const auto* fmt = o.if_contains("format");
  if (fmt == nullptr || !fmt->is_string() || fmt->as_string() != format_name) {
    return bad("not a janitor-async recording (\"format\" is missing or different)");
  }
  const auto* ver = o.if_contains("version");
  if (ver == nullptr || !ver->is_int64() || ver->as_int64() != cassette_version) {
    return bad("unsupported version (this build reads version " + std::to_string(cassette_version) + ")");
  }
  cassette c;
  const auto* red = o.if_contains("redaction");
  if (red == nullptr || !red->is_object()) return bad("\"redaction\" is missing");
  const auto* mode = red->as_object().if_contains("mode");
  if (mode != nullptr && mode->is_string() && mode->as_string() == "none") {
    c.plaintext = true;
  } else if (mode != nullptr && mode->is_string() && mode->as_string() == "hmac-sha256") {
    const auto* key = red->as_object().if_contains("key");
    if (key == nullptr || !key->is_string() || key->as_string().size() != 64)
      return bad("the redaction key is bad");
    c.redaction_key_hex = std::string(key->as_string());
  } else {
    return bad("unknown redaction mode");
  }
  const auto* tokens = o.if_contains("tokens");
  if (tokens == nullptr || !tokens->is_array()) return bad("\"tokens\" is missing");
  for (const auto& t : tokens->as_array()) {
    if (!t.is_string()) return bad("a token is not a string");
    c.tokens.emplace_back(t.as_string());
  }
  const auto* clock = o.if_contains("clock");
  if (clock == nullptr || !clock->is_string()) return bad("\"clock\" is missing");
  auto when = parse_iso_time(clock->as_string());
  if (!when) return bad("\"clock\" is not YYYY-MM-DDTHH:MM:SSZ");
  c.clock = *when;
  const auto* exchanges = o.if_contains("exchanges");
  if (exchanges == nullptr || !exchanges->is_array()) return bad("\"exchanges\" is missing");
  std::size_t i = 0;
  for (const auto& e : exchanges->as_array()) {
    ++i;
    const std::string at = "exchange #" + std::to_string(i) + ": ";
    if (!e.is_object()) return bad(at + "not an object");
    const auto* rq = e.as_object().if_contains("request");
    if (rq == nullptr || !rq->is_object()) return bad(at + "no request");
    recorded_exchange x;
    const auto& r = rq->as_object();
    for (const char* f : {"method", "target", "operation"}) {
      if (!r.contains(f) || !r.at(f).is_string()) return bad(at + "request." + f + " is missing");
    }
    x.method = r.at("method").as_string();
    x.target = r.at("target").as_string();
    x.operation = r.at("operation").as_string();
    if (!r.contains("body")) return bad(at + "request.body is missing");
    x.body = r.at("body");
    if (const auto* f = e.as_object().if_contains("failure")) {
      if (!f->is_object() || !f->as_object().contains("code")) return bad(at + "failure is malformed");
      error_info fe;
      fe.code = errc_from_name(f->as_object().at("code").is_string()
                                   ? std::string_view(f->as_object().at("code").as_string())
                                   : "");
      if (const auto* m = f->as_object().if_contains("message"); m != nullptr && m->is_string())
        fe.message = m->as_string();
      if (const auto* ma = f->as_object().if_contains("maybe_applied"); ma != nullptr && ma->is_bool())
        fe.maybe_applied = ma->as_bool();
      x.failure = fe;
    } else {
      const auto* rs = e.as_object().if_contains("response");
      if (rs == nullptr || !rs->is_object()) return bad(at + "no response or failure");
      const auto& s = rs->as_object();
      if (!s.contains("status") || !s.at("status").is_int64()) return bad(at + "response.status is missing");
      const auto status = s.at("status").as_int64();
      if (status < 100 || status > 599) return bad(at + "response.status is out of range");
      x.status = static_cast<int>(status);
      if (const auto* h = s.if_contains("headers")) {
        if (!h->is_object()) return bad(at + "response.headers is not an object");
        for (const auto& [k, hv] : h->as_object()) {
          if (!hv.is_string()) return bad(at + "a header value is not a string");
          x.headers.push_back({std::string(k), std::string(hv.as_string())});
        }
      }
      if (!s.contains("body")) return bad(at + "response.body is missing");
      x.response_body = s.at("body");
    }
    c.exchanges.push_back(std::move(x));
  }
  return c;
}

}  // namespace janitor::sm
