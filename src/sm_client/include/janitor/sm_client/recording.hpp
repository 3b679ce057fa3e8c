#pragma once

// Recorded HTTP sessions (cassettes): a recording transport that wraps the
// live one, and a replay transport that serves a cassette's responses in order
// and checks each request against the recorded one (docs/recording.md).
//
// Credentials never reach a cassette: only the method, target, X-Amz-Target
// and JSON body of a request are kept. Secret values are redacted by default:
// every string and number inside SecretString becomes a keyed-hash
// placeholder of the same JSON kind, so a replayed run sees the same shapes
// and the same equalities. A replayed run works in that redacted domain: the
// edits' values are redacted with the cassette's key before the engine sees them.

#include <janitor/sigv4/secure_string.hpp>
#include <janitor/sm_client/transport.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace janitor::sm {

inline constexpr int cassette_version = 1;

struct recorded_exchange {
  std::string method;
  std::string target;
  std::string operation;    // from X-Amz-Target, without "secretsmanager."
  boost::json::value body;  // the request body (redacted)
  // Either a response...
  int status = 0;
  std::vector<http_field> headers;   // the ones that matter: Content-Type, Date, X-Amzn-ErrorType
  boost::json::value response_body;  // JSON, or a string when the body was not JSON
  // ...or a transport failure.
  std::optional<error_info> failure;
};

struct cassette {
  bool plaintext = false;
  std::string redaction_key_hex;                  // HMAC-SHA256 key of the placeholders
  std::vector<std::string> tokens;                // ClientRequestTokens, in the order they were made
  std::chrono::system_clock::time_point clock{};  // "now" at recording time
  std::vector<recorded_exchange> exchanges;
};

// Loads and validates a cassette. A damaged or foreign file is an error naming the problem.
std::optional<cassette> load_cassette(const std::filesystem::path& path, error_info& err);
// The same, from text (`label` names it in errors).
std::optional<cassette> parse_cassette(std::string_view text, std::string_view label, error_info& err);
// Writes atomically (temp file + rename) with mode 0600.
bool save_cassette(const cassette& c, const std::filesystem::path& path, error_info& err);

// Keyed-hash placeholders for secret values.
class redactor {
 public:
  redactor() = default;  // plaintext: redacts nothing
  explicit redactor(std::string key_hex);
  [[nodiscard]] bool active() const noexcept { return !key_.empty(); }
  // A placeholder string for a string value: "redacted:" + 20 hex digits.
  [[nodiscard]] std::string string_placeholder(std::string_view value) const;
  // Redacts every string and number inside a SecretString (kept JSON when it is JSON).
  [[nodiscard]] std::string redact_secret_string(std::string_view secret_string) const;
  // Redacts SecretString / SecretBinary fields of a request or response body.
  void redact_body(boost::json::value& body) const;

 private:
  secure_string key_;
};

std::string random_key_hex();

class recording_transport final : public transport {
 public:
  recording_transport(std::shared_ptr<transport> inner, std::shared_ptr<cassette> sink, redactor r)
      : inner_(std::move(inner)), sink_(std::move(sink)), redactor_(std::move(r)) {}
  boost::asio::awaitable<transport_result> send(const http_request& req) override;

 private:
  std::shared_ptr<transport> inner_;
  std::shared_ptr<cassette> sink_;
  redactor redactor_;
};

class replay_transport final : public transport {
 public:
  explicit replay_transport(std::shared_ptr<const cassette> c) : cassette_(std::move(c)) {}
  boost::asio::awaitable<transport_result> send(const http_request& req) override;
  // After the run: an error when exchanges were left unused, or a mismatch happened.
  [[nodiscard]] std::optional<error_info> finish() const;
  [[nodiscard]] std::size_t used() const noexcept { return next_; }

 private:
  std::shared_ptr<const cassette> cassette_;
  std::size_t next_ = 0;
  std::optional<error_info> mismatch_;
};

}  // namespace janitor::sm
