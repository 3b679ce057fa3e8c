#include <janitor/sm_client/error.hpp>

namespace janitor::sm {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "janitor.secretsmanager"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "success";
      case errc::resource_not_found:
        return "the secret (or the version asked for) does not exist";
      case errc::access_denied:
        return "access denied by the service";
      case errc::invalid_parameter:
        return "the service rejected a parameter";
      case errc::invalid_request:
        return "the service rejected the request in the secret's current state";
      case errc::limit_exceeded:
        return "a Secrets Manager quota was reached (versions or staging labels)";
      case errc::decryption_failure:
        return "the service could not decrypt the secret with its KMS key";
      case errc::throttling:
        return "the service is throttling requests";
      case errc::internal_error:
        return "the service had an internal error";
      case errc::signature_invalid:
        return "the request signature or access key was rejected";
      case errc::signature_expired:
        return "the request time is too far from the service's clock";
      case errc::resource_exists:
        return "the resource already exists";
      case errc::service_error:
        return "the service returned an error";
      case errc::network:
        return "network failure talking to the service";
      case errc::timeout:
        return "the request timed out";
      case errc::tls:
        return "TLS failure (handshake or certificate verification)";
      case errc::malformed_response:
        return "the service's response could not be understood";
      case errc::response_too_large:
        return "the service's response exceeded the size limit";
      case errc::cancelled:
        return "the operation was cancelled";
      case errc::replay_mismatch:
        return "the request does not match the recorded one";
      case errc::invalid_cassette:
        return "the recording cannot be used";
      case errc::no_credentials:
        return "no AWS credentials were found";
      case errc::invalid_credentials_file:
        return "an AWS credentials or config file could not be used";
      case errc::invalid_endpoint:
        return "the endpoint cannot be used";
      case errc::invalid_region:
        return "no usable AWS region was given";
      case errc::request_too_large:
        return "the request is larger than the service accepts";
    }
    return "unknown janitor.secretsmanager error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category c;
  return c;
}

bool is_transient(boost::system::error_code ec) noexcept {
  if (ec.category() != error_category()) return false;
  switch (static_cast<errc>(ec.value())) {
    case errc::throttling:
    case errc::internal_error:
    case errc::network:
    case errc::timeout:
      return true;
    default:
      return false;
  }
}

std::string error_info::describe() const {
  std::string out = message.empty() ? code.message() : message;
  if (!service_code.empty()) {
    out += " [" + service_code;
    if (!service_message.empty()) out += ": " + service_message;
    out += "]";
  }
  if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
  return out;
}

}  // namespace janitor::sm
