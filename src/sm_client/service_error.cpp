#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/json.hpp>

// Error responses: no I/O here, so that the fuzzers can reach it.

namespace janitor::sm {
namespace {
namespace json = boost::json;

std::string_view strip_namespace(std::string_view type) {
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
  if (auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  return type;
}

// Text between <tag> and </tag>, bounded: enough for the error XML some endpoints send.
std::string xml_element(std::string_view body, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto b = body.find(open);
  if (b == std::string_view::npos) return {};
  const auto e = body.find(close, b + open.size());
  if (e == std::string_view::npos || e - b > 1024) return {};
  return std::string(body.substr(b + open.size(), e - b - open.size()));
}

std::string bounded(std::string s) {
  // Service messages are untrusted: keep them short and printable.
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* p = o.if_contains(key);
  return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string();
}

}  // namespace

errc error_code_for_service_type(std::string_view type, int http_status, std::string_view message) {
  static const std::pair<std::string_view, errc> table[] = {
      {"ResourceNotFoundException", errc::resource_not_found},
      {"AccessDeniedException", errc::access_denied},
      {"AccessDenied", errc::access_denied},
      {"InvalidParameterException", errc::invalid_parameter},
      {"ValidationException", errc::invalid_parameter},
      {"InvalidRequestException", errc::invalid_request},
      {"LimitExceededException", errc::limit_exceeded},
      {"DecryptionFailure", errc::decryption_failure},
      {"DecryptionFailureException", errc::decryption_failure},
      {"ThrottlingException", errc::throttling},
      {"Throttling", errc::throttling},
      {"TooManyRequestsException", errc::throttling},
      {"RequestThrottled", errc::throttling},
      {"RequestThrottledException", errc::throttling},
      {"SlowDown", errc::throttling},
      {"InternalServiceError", errc::internal_error},
      {"InternalServiceErrorException", errc::internal_error},
      {"InternalFailure", errc::internal_error},
      {"ServiceUnavailable", errc::internal_error},
      {"ServiceUnavailableException", errc::internal_error},
      {"InvalidSignatureException", errc::signature_invalid},
      {"SignatureDoesNotMatch", errc::signature_invalid},
      {"IncompleteSignature", errc::signature_invalid},
      {"IncompleteSignatureException", errc::signature_invalid},
      {"InvalidClientTokenId", errc::signature_invalid},
      {"UnrecognizedClientException", errc::signature_invalid},
      {"MissingAuthenticationToken", errc::signature_invalid},
      {"MissingAuthenticationTokenException", errc::signature_invalid},
      {"ExpiredToken", errc::signature_invalid},
      {"ExpiredTokenException", errc::signature_invalid},
      {"RequestExpired", errc::signature_expired},
      {"RequestTimeTooSkewed", errc::signature_expired},
      {"RequestInTheFuture", errc::signature_expired},
      {"ResourceExistsException", errc::resource_exists},
  };
  for (const auto& [name, code] : table) {
    if (type == name) {
      // A signature rejected for its time is a clock problem, not a key problem.
      if (code == errc::signature_invalid && message.find("Signature expired") != std::string_view::npos) {
        return errc::signature_expired;
      }
      return code;
    }
  }
  if (http_status >= 500) return errc::internal_error;
  if (http_status == 429) return errc::throttling;
  return errc::service_error;
}

error_info parse_service_error(const http_response& res) {
  error_info e;
  e.http_status = res.status;
  std::string type;
  std::string message;
  boost::system::error_code ec;
  const json::value v = parse_secure_json(res.body.view(), ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    type = string_field(o, "__type");
    if (type.empty()) type = string_field(o, "code");
    message = string_field(o, "message");
    if (message.empty()) message = string_field(o, "Message");
  } else if (res.body.view().find("<Code>") != std::string_view::npos) {
    type = xml_element(res.body.view(), "Code");
    message = xml_element(res.body.view(), "Message");
  }
  if (type.empty()) type = std::string(res.header("X-Amzn-ErrorType"));
  type = std::string(strip_namespace(type));
  e.service_code = bounded(type);
  e.service_message = bounded(message);
  e.code = error_code_for_service_type(type, res.status, message);
  if (type.empty() && res.status < 500 && res.status != 429) {
    e.code = errc::malformed_response;
    e.message = "the service answered HTTP " + std::to_string(res.status) + " without an error type";
  }
  return e;
}

}  // namespace janitor::sm
