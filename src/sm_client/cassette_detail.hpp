#pragma once

// Helpers shared by the cassette format (cassette.cpp) and the transports (recording.cpp).

#include <janitor/sm_client/transport.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace janitor::sm::detail {

std::string operation_of(const http_request& req);
// A body as JSON (default storage: only redacted or plaintext-by-request data lands here).
boost::json::value body_value(std::string_view body);
// What of a request is compared on replay: SecretString by meaning.
boost::json::value comparable(const boost::json::value& body);
// Names the fields that differ; values only for fields that never hold secrets.
std::string describe_difference(const boost::json::value& recorded, const boost::json::value& sent);

}  // namespace janitor::sm::detail
