#pragma once

// The Secrets Manager operations over AWS JSON 1.1, signed with SigV4, with
// standard-mode retries. Not thread-safe: one client per thread or strand.

#include <janitor/sigv4/secure_string.hpp>
#include <janitor/sigv4/signer.hpp>
#include <janitor/sm_client/credentials.hpp>
#include <janitor/sm_client/endpoint.hpp>
#include <janitor/sm_client/error.hpp>
#include <janitor/sm_client/transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace janitor::sm {

template <class T>
struct result {
  error_info error;
  T value{};
  [[nodiscard]] bool ok() const noexcept { return !error.failed(); }
};

struct empty_value {};

struct secret_value {
  std::string arn;
  std::string name;
  std::string version_id;
  std::vector<std::string> version_stages;
  std::optional<secure_string> secret_string;  // nullopt: the version holds SecretBinary
  bool has_binary = false;
};

struct put_secret_value_result {
  std::string arn;
  std::string name;
  std::string version_id;
  std::vector<std::string> version_stages;
};

struct secret_description {
  std::string arn;
  std::string name;
  std::map<std::string, std::vector<std::string>> version_ids_to_stages;
  bool rotation_enabled = false;
};

struct version_entry {
  std::string version_id;
  std::vector<std::string> version_stages;
  std::optional<double> created_date;  // seconds since the epoch
};

struct create_secret_result {
  std::string arn;
  std::string name;
  std::string version_id;  // empty when created without a value
};

struct retry_options {
  int max_attempts = 3;  // in all, the first included
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{20000};
  int budget_tokens = 500;  // the SDKs' retry quota: a retry costs 5 (10 after a timeout), success refunds 1
};

struct client_options {
  std::string region;
  endpoint ep;
  retry_options retry;
  std::function<std::chrono::system_clock::time_point()> now;  // default: system_clock
  std::function<double()> jitter;                              // [0, 1); default: a random engine
  std::shared_ptr<spdlog::logger> logger;                      // default: discards
  std::string user_agent = "janitor-async";
};

// Every operation takes its arguments by value: the coroutine owns them, so a
// temporary argument cannot dangle when the operation starts later (deferred, co_spawn).
class secrets_client {
 public:
  secrets_client(boost::asio::any_io_executor ex, std::shared_ptr<transport> t,
                 std::shared_ptr<credentials_provider> creds, client_options opts);

  [[nodiscard]] boost::asio::any_io_executor get_executor() const { return ex_; }
  [[nodiscard]] const client_options& options() const { return opts_; }
  [[nodiscard]] spdlog::logger& logger() const { return *opts_.logger; }

  boost::asio::awaitable<result<secret_value>> get_secret_value(std::string secret_id,
                                                                std::string version_stage = "AWSCURRENT",
                                                                std::string version_id = {});
  // Idempotent through the token: a retry of the same payload with the same token
  // is answered with the version already made.
  boost::asio::awaitable<result<put_secret_value_result>> put_secret_value(
      std::string secret_id, secure_string secret_string, std::string client_request_token,
      std::vector<std::string> version_stages);
  // Not idempotent: never retried once it may have reached the service;
  // then the error says maybe_applied.
  boost::asio::awaitable<result<empty_value>> update_secret_version_stage(std::string secret_id,
                                                                          std::string version_stage,
                                                                          std::string move_to_version_id,
                                                                          std::string remove_from_version_id);
  boost::asio::awaitable<result<secret_description>> describe_secret(std::string secret_id);
  // Every page, versions without labels included.
  boost::asio::awaitable<result<std::vector<version_entry>>> list_secret_version_ids(std::string secret_id);
  boost::asio::awaitable<result<create_secret_result>> create_secret(
      std::string name, std::optional<secure_string> secret_string, std::string client_request_token = {});
  boost::asio::awaitable<result<empty_value>> delete_secret(std::string secret_id,
                                                            bool force_without_recovery);

  // How many requests were sent (attempts included): tests and benchmarks.
  [[nodiscard]] std::size_t requests_sent() const noexcept { return requests_sent_; }

 private:
  struct call_outcome {
    error_info error;
    secure_string body;
  };
  boost::asio::awaitable<call_outcome> call(std::string_view operation, const secure_string& payload,
                                            bool idempotent, bool payload_has_secrets);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<transport> transport_;
  std::shared_ptr<credentials_provider> creds_;
  client_options opts_;
  sigv4::signing_key_cache key_cache_;
  std::chrono::seconds clock_skew_{0};
  int retry_tokens_;
  std::size_t requests_sent_ = 0;
};

// Maps an AWS error type name (namespace prefix already removed) to a code.
errc error_code_for_service_type(std::string_view type, int http_status, std::string_view message);

// Parses an error response (JSON __type/message, X-Amzn-ErrorType, or an XML
// <Code>) into an error_info. Never copies the body itself.
error_info parse_service_error(const http_response& res);

}  // namespace janitor::sm
