#include <janitor/sigv4/signer.hpp>

#include "crypto.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <string>
#include <utility>

namespace janitor::sigv4 {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view unsigned_payload_hash = "UNSIGNED-PAYLOAD";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_uri_encoded(std::string& out, std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0f]);
    }
  }
}

// A query parameter may arrive percent-encoded or not: decode, then encode
// once, so both spellings sign the same.
std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Trim, and fold every run of whitespace (line folds included) into one space.
void append_canonical_header_value(std::string& out, std::string_view v) {
  std::size_t b = 0;
  std::size_t e = v.size();
  while (b < e && is_space(v[b])) ++b;
  while (e > b && is_space(v[e - 1])) --e;
  while (b < e) {
    std::size_t run = b;
    while (run < e && !is_space(v[run])) ++run;
    out.append(v.data() + b, run - b);
    if (run == e) break;
    out.push_back(' ');
    b = run;
    while (b < e && is_space(v[b])) ++b;
  }
}

// Never signed: hop-by-hop or rewritten by proxies (the aws-c-auth skip list).
bool is_skipped_header(std::string_view lower_name) {
  static constexpr std::string_view skipped[] = {"authorization",     "connection", "expect",
                                                 "transfer-encoding", "upgrade",    "user-agent",
                                                 "x-amzn-trace-id"};
  return std::find(std::begin(skipped), std::end(skipped), lower_name) != std::end(skipped);
}

std::string date_part(std::string_view amz_date) { return std::string(amz_date.substr(0, 8)); }

void append_query_param(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out.push_back('&');
  out.append(key);
  out.push_back('=');
  append_uri_encoded(out, value, false);
}

}  // namespace

signing_key::~signing_key() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string uri_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  append_uri_encoded(out, s, keep_slash);
  return out;
}

std::string canonical_uri(std::string_view path, bool normalize, bool double_encode) {
  if (path.empty()) return "/";
  std::string normalized;
  if (normalize) {
    // Remove "." and ".." segments and empty segments (RFC 3986 5.2.4, plus
    // collapsing "//"), keeping a trailing slash when the path had one.
    std::vector<std::string_view> segments;
    std::size_t pos = 0;
    while (pos <= path.size()) {
      std::size_t next = path.find('/', pos);
      if (next == std::string_view::npos) next = path.size();
      const std::string_view seg = path.substr(pos, next - pos);
      if (seg == "..") {
        if (!segments.empty()) segments.pop_back();
      } else if (!seg.empty() && seg != ".") {
        segments.push_back(seg);
      }
      pos = next + 1;
    }
    normalized.push_back('/');
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (i != 0) normalized.push_back('/');
      normalized.append(segments[i]);
    }
    if (!segments.empty() && path.back() == '/') normalized.push_back('/');
    path = normalized;
  }
  if (!double_encode) return std::string(path);
  return uri_encode(path, true);
}

std::string canonical_query_string(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos <= raw_query.size()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    const std::string_view piece = raw_query.substr(pos, amp - pos);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      const std::string_view k = piece.substr(0, eq);
      const std::string_view v = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
      params.emplace_back(uri_encode(uri_decode(k), false), uri_encode(uri_decode(v), false));
    }
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(k).append("=").append(v);
  }
  return out;
}

std::string format_amz_date(std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<std::chrono::seconds> hms{t - day};
  // By hand rather than snprintf: this runs once per signature.
  std::string out(16, '0');
  auto put = [&out](std::size_t at, long long v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10)
      out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, static_cast<int>(ymd.year()), 4);
  put(4, static_cast<unsigned>(ymd.month()), 2);
  put(6, static_cast<unsigned>(ymd.day()), 2);
  out[8] = 'T';
  put(9, hms.hours().count(), 2);
  put(11, hms.minutes().count(), 2);
  put(13, hms.seconds().count(), 2);
  out[15] = 'Z';
  return out;
}

std::string sha256_hex(std::string_view data) {
  const auto d = detail::sha256(data);
  std::string out;
  out.reserve(64);
  detail::append_hex(out, d);
  return out;
}

signing_key derive_signing_key(std::string_view secret_access_key, std::string_view date,
                               std::string_view region, std::string_view service) {
  secure_string k_secret;
  k_secret.reserve(4 + secret_access_key.size());
  k_secret.append("AWS4");
  k_secret.append(secret_access_key);
  const auto* secret_bytes = reinterpret_cast<const unsigned char*>(k_secret.data());
  auto k = detail::hmac_sha256({secret_bytes, k_secret.size()}, date);
  k = detail::hmac_sha256(k, region);
  k = detail::hmac_sha256(k, service);
  k = detail::hmac_sha256(k, "aws4_request");
  signing_key key{k};
  OPENSSL_cleanse(k.data(), k.size());
  return key;
}

signing_key signing_key_cache::get(const credentials& creds, std::string_view date, std::string_view region,
                                   std::string_view service) {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.date == date && e.region == region && e.service == service &&
        e.access_key_id == creds.access_key_id && e.secret.view() == creds.secret_access_key.view()) {
      return e.key;
    }
  }
  signing_key key = derive_signing_key(creds.secret_access_key.view(), date, region, service);
  ++derivations_;
  // A day rolls over or credentials rotate: drop what can no longer be used.
  std::erase_if(entries_,
                [&](const entry& e) { return e.date != date || e.access_key_id == creds.access_key_id; });
  if (entries_.size() >= 16) entries_.erase(entries_.begin());
  entries_.push_back(entry{std::string(date), std::string(region), std::string(service), creds.access_key_id,
                           creds.secret_access_key, key});
  return key;
}

std::size_t signing_key_cache::derivations() const {
  std::lock_guard lock(mutex_);
  return derivations_;
}

void build_canonical_request(signing_state& st, const http_request& req, const signing_config& cfg,
                             const credentials& creds) {
  st.amz_date = format_amz_date(cfg.timestamp);
  st.credential_scope.clear();
  st.credential_scope.append(st.amz_date, 0, 8)
      .append("/")
      .append(cfg.region)
      .append("/")
      .append(cfg.service);
  st.credential_scope.append("/aws4_request");

  if (cfg.unsigned_payload) {
    st.payload_hash.assign(unsigned_payload_hash);
  } else {
    st.payload_hash.clear();
    detail::append_hex(st.payload_hash, detail::sha256(req.body));
  }

  const bool query_signing = cfg.type == signature_type::query;
  const bool has_token = !creds.session_token.empty();

  // Canonical headers: lower-cased names, stable-sorted so repeated headers keep
  // their order, then joined with ','. Names and trimmed values go into one
  // per-thread buffer that keeps its capacity (and is wiped after each use):
  // a string per header was most of the allocation in a signature.
  struct slice {
    std::size_t name_at, name_len, value_at, value_len;
  };
  thread_local std::string arena;
  thread_local std::vector<slice> hs;
  thread_local std::string header_block;
  arena.clear();
  hs.clear();
  auto add = [&](std::string_view name, std::string_view value, bool canonicalize_value) {
    slice sl{arena.size(), name.size(), 0, 0};
    for (char ch : name) arena.push_back(lower(ch));
    if (is_skipped_header(std::string_view(arena).substr(sl.name_at))) {
      arena.resize(sl.name_at);
      return;
    }
    sl.value_at = arena.size();
    if (canonicalize_value) {
      append_canonical_header_value(arena, value);
    } else {
      arena.append(value);
    }
    sl.value_len = arena.size() - sl.value_at;
    hs.push_back(sl);
  };
  for (const auto& h : req.headers) add(h.name, h.value, true);
  if (!query_signing) {
    add("x-amz-date", st.amz_date, false);
    if (has_token && !cfg.omit_session_token) add("x-amz-security-token", creds.session_token.view(), false);
    if (cfg.add_content_sha256_header) add("x-amz-content-sha256", st.payload_hash, false);
  }
  const std::string_view a = arena;
  auto name_of = [a](const slice& x) { return a.substr(x.name_at, x.name_len); };
  auto value_of = [a](const slice& x) { return a.substr(x.value_at, x.value_len); };
  std::stable_sort(hs.begin(), hs.end(),
                   [&](const slice& x, const slice& y) { return name_of(x) < name_of(y); });

  header_block.clear();
  header_block.reserve(arena.size() + 2 * hs.size());
  st.signed_headers.clear();
  for (std::size_t i = 0; i < hs.size(); ++i) {
    if (i > 0 && name_of(hs[i]) == name_of(hs[i - 1])) {
      header_block.pop_back();  // the '\n' of the previous line
      header_block.append(",").append(value_of(hs[i])).append("\n");
      continue;
    }
    if (!st.signed_headers.empty()) st.signed_headers.push_back(';');
    st.signed_headers.append(name_of(hs[i]));
    header_block.append(name_of(hs[i])).append(":").append(value_of(hs[i])).append("\n");
  }
  // The token is a credential: do not leave a copy in the buffer.
  OPENSSL_cleanse(arena.data(), arena.size());

  std::string query(req.query);
  if (query_signing) {
    std::string extra;
    append_query_param(extra, "X-Amz-Algorithm", algorithm);
    append_query_param(extra, "X-Amz-Credential", creds.access_key_id + "/" + st.credential_scope);
    append_query_param(extra, "X-Amz-Date", st.amz_date);
    append_query_param(extra, "X-Amz-Expires", std::to_string(cfg.expires.count()));
    if (has_token && !cfg.omit_session_token)
      append_query_param(extra, "X-Amz-Security-Token", creds.session_token.view());
    append_query_param(extra, "X-Amz-SignedHeaders", st.signed_headers);
    if (!query.empty()) query.push_back('&');
    query.append(extra);
  }
  st.canonical_query = canonical_query_string(query);

  std::string& cr = st.canonical_request;
  cr.clear();
  cr.reserve(req.method.size() + req.path.size() * 3 + st.canonical_query.size() + header_block.size() +
             st.signed_headers.size() + 80);
  cr.append(req.method).append("\n");
  cr.append(canonical_uri(req.path, cfg.normalize_uri_path, cfg.use_double_uri_encode)).append("\n");
  cr.append(st.canonical_query).append("\n");
  cr.append(header_block).append("\n");
  cr.append(st.signed_headers).append("\n");
  cr.append(st.payload_hash);
  OPENSSL_cleanse(header_block.data(), header_block.size());
  header_block.clear();
}

void build_string_to_sign(signing_state& st) {
  std::string& s = st.string_to_sign;
  s.clear();
  s.reserve(algorithm.size() + st.amz_date.size() + st.credential_scope.size() + 67);
  s.append(algorithm).append("\n").append(st.amz_date).append("\n").append(st.credential_scope).append("\n");
  detail::append_hex(s, detail::sha256(st.canonical_request));
}

void build_signature(signing_state& st, const signing_key& key) {
  const auto mac = detail::hmac_sha256_same_key(key.data(), st.string_to_sign);
  st.signature.clear();
  detail::append_hex(st.signature, mac);
}

signing_result sign(const http_request& req, const signing_config& cfg, const credentials& creds,
                    signing_key_cache* cache, signing_state* state_out) {
  // Without a caller's state, a per-thread one whose strings keep their
  // capacity: no allocation for the intermediates once warm.
  thread_local signing_state local;
  signing_state& st = state_out != nullptr ? *state_out : local;
  build_canonical_request(st, req, cfg, creds);
  build_string_to_sign(st);
  const std::string date = date_part(st.amz_date);
  const signing_key key =
      cache != nullptr ? cache->get(creds, date, cfg.region, cfg.service)
                       : derive_signing_key(creds.secret_access_key.view(), date, cfg.region, cfg.service);
  build_signature(st, key);
  // The canonical request may carry the session token; it is no longer needed.
  if (state_out == nullptr) OPENSSL_cleanse(st.canonical_request.data(), st.canonical_request.size());

  signing_result out;
  const bool has_token = !creds.session_token.empty();
  if (cfg.type == signature_type::headers) {
    if (has_token) out.headers.push_back({"X-Amz-Security-Token", std::string(creds.session_token.view())});
    out.headers.push_back({"X-Amz-Date", st.amz_date});
    if (cfg.add_content_sha256_header) out.headers.push_back({"x-amz-content-sha256", st.payload_hash});
    std::string auth;
    auth.reserve(200);
    auth.append(algorithm)
        .append(" Credential=")
        .append(creds.access_key_id)
        .append("/")
        .append(st.credential_scope);
    auth.append(", SignedHeaders=").append(st.signed_headers).append(", Signature=").append(st.signature);
    out.headers.push_back({"Authorization", std::move(auth)});
  } else {
    std::string& q = out.query;
    append_query_param(q, "X-Amz-Algorithm", algorithm);
    append_query_param(q, "X-Amz-Credential", creds.access_key_id + "/" + st.credential_scope);
    append_query_param(q, "X-Amz-Date", st.amz_date);
    append_query_param(q, "X-Amz-SignedHeaders", st.signed_headers);
    append_query_param(q, "X-Amz-Expires", std::to_string(cfg.expires.count()));
    if (has_token) append_query_param(q, "X-Amz-Security-Token", creds.session_token.view());
    append_query_param(q, "X-Amz-Signature", st.signature);
  }
  return out;
}

}  // namespace janitor::sigv4
