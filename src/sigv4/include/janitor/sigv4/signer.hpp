#pragma once

// AWS Signature Version 4, as pure functions: no clock, no I/O, no logging.
// The stages are public so that tests can check each one byte for byte
// (canonical request, string to sign, signature), as the AWS suite does.

#include <janitor/sigv4/secure_string.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace janitor::sigv4 {

struct header {
  std::string name;
  std::string value;
};

// A request as it goes on the wire. `path` and `query` are taken as written
// (the query without its '?'); canonicalization encodes them. The body is a
// view: it may hold secret values, which stay in the caller's wiped storage.
struct http_request {
  std::string method;
  std::string path = "/";
  std::string query;
  std::vector<header> headers;
  std::string_view body;
};

struct credentials {
  std::string access_key_id;
  secure_string secret_access_key;
  secure_string session_token;  // empty: none
};

enum class signature_type {
  headers,  // Authorization header
  query,    // presigned URL (X-Amz-* query parameters)
};

struct signing_config {
  std::string region;
  std::string service;
  std::chrono::sys_seconds timestamp{};  // the signing time: an input, never read from a clock here
  signature_type type = signature_type::headers;
  bool normalize_uri_path = true;     // remove dot segments and empty segments
  bool use_double_uri_encode = true;  // every service but S3
  bool omit_session_token = false;    // add the token after signing instead of signing it
  bool add_content_sha256_header = false;
  bool unsigned_payload = false;       // payload hash "UNSIGNED-PAYLOAD"
  std::chrono::seconds expires{3600};  // query signing only
};

// The derived key kSigning. Wiped when destroyed.
class signing_key {
 public:
  using bytes = std::array<unsigned char, 32>;
  signing_key() = default;
  explicit signing_key(const bytes& b) : key_(b) {}
  signing_key(const signing_key&) = default;
  signing_key& operator=(const signing_key&) = default;
  ~signing_key();
  [[nodiscard]] const bytes& data() const noexcept { return key_; }

 private:
  bytes key_{};
};

// kSigning = HMAC chain over "AWS4"+secret, date (YYYYMMDD), region, service, "aws4_request".
// Every intermediate key is wiped.
signing_key derive_signing_key(std::string_view secret_access_key, std::string_view date,
                               std::string_view region, std::string_view service);

// kSigning changes once a day per (region, service, key): cache it. Thread-safe.
class signing_key_cache {
 public:
  signing_key get(const credentials& creds, std::string_view date, std::string_view region,
                  std::string_view service);
  [[nodiscard]] std::size_t derivations() const;  // how many times a key was derived (tests, benchmarks)

 private:
  struct entry {
    std::string date, region, service, access_key_id;
    secure_string secret;
    signing_key key;
  };
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
  std::size_t derivations_ = 0;
};

// Every intermediate of one signature, filled stage by stage.
struct signing_state {
  std::string amz_date;          // 20150830T123600Z
  std::string credential_scope;  // 20150830/us-east-1/service/aws4_request
  std::string payload_hash;
  std::string signed_headers;   // host;x-amz-date
  std::string canonical_query;  // query signing: includes the X-Amz-* parameters
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

// Stage 1. Also fills amz_date, credential_scope, payload_hash, signed_headers.
void build_canonical_request(signing_state& st, const http_request& req, const signing_config& cfg,
                             const credentials& creds);
// Stage 2.
void build_string_to_sign(signing_state& st);
// Stage 3.
void build_signature(signing_state& st, const signing_key& key);

struct signing_result {
  // Header signing: headers to append, in order (X-Amz-Security-Token, X-Amz-Date,
  // x-amz-content-sha256, Authorization, each only where it applies).
  std::vector<header> headers;
  // Query signing: parameters to append to the query (already encoded, joined with '&').
  std::string query;
};

// Runs the three stages. With a cache the key is derived once a day.
signing_result sign(const http_request& req, const signing_config& cfg, const credentials& creds,
                    signing_key_cache* cache = nullptr, signing_state* state_out = nullptr);

// Building blocks, exposed for tests.
std::string uri_encode(std::string_view s, bool keep_slash);
std::string canonical_uri(std::string_view path, bool normalize, bool double_encode);
std::string canonical_query_string(std::string_view raw_query);
std::string format_amz_date(std::chrono::sys_seconds t);  // YYYYMMDDTHHMMSSZ
std::string sha256_hex(std::string_view data);

}  // namespace janitor::sigv4
