#pragma once

// Failures of the Secrets Manager client as error codes, plus diagnostics
// that keep our own text apart from the service's (which is untrusted).

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace janitor::sm {

enum class errc {
  ok = 0,
  // The service said no.
  resource_not_found = 1,
  access_denied,
  invalid_parameter,
  invalid_request,
  limit_exceeded,  // a quota (versions, labels): not throttling, never retried blindly
  decryption_failure,
  throttling,
  internal_error,     // 5xx or InternalServiceError
  signature_invalid,  // the signature or the access key was rejected
  signature_expired,  // request time too far from the service's clock
  resource_exists,    // e.g. a ClientRequestToken reused for another payload
  service_error,      // any other error the service named
  // The exchange went wrong.
  network = 100,  // connect failed, reset, closed early
  timeout,
  tls,  // handshake or certificate verification failed
  malformed_response,
  response_too_large,
  cancelled,
  replay_mismatch,  // a replayed run sent a request the cassette does not have
  // Set-up problems on our side.
  no_credentials = 200,
  invalid_credentials_file,
  invalid_endpoint,  // unusable URL, or plain http:// to a non-loopback host
  invalid_region,
  request_too_large,
  invalid_cassette,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// Worth another attempt when the request is safe to repeat.
bool is_transient(boost::system::error_code ec) noexcept;

// What went wrong, in words. `message` is ours and never holds a secret value
// or a raw body; `service_code` / `service_message` are the service's words.
struct error_info {
  boost::system::error_code code;
  std::string message;
  std::string service_code;     // AWS __type without its namespace
  std::string service_message;  // untrusted text from the service
  int http_status = 0;
  // The request may have reached the service and acted (a lost response):
  // the caller cannot tell success from failure by this error alone.
  bool maybe_applied = false;

  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(code); }
  [[nodiscard]] std::string describe() const;  // one line for humans
};

}  // namespace janitor::sm

namespace boost::system {
template <>
struct is_error_code_enum<janitor::sm::errc> : std::true_type {};
}  // namespace boost::system
