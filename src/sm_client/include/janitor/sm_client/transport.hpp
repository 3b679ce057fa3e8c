#pragma once

// The narrow seam between the client and the wire: one signed HTTP request in,
// one HTTP response out. The live transport speaks HTTP(S); recording, replay
// and fault-injecting transports implement the same interface.

#include <janitor/sigv4/secure_string.hpp>
#include <janitor/sm_client/error.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace janitor::sm {

struct http_field {
  std::string name;
  std::string value;
};

struct http_request {
  std::string method = "POST";
  std::string target = "/";
  std::vector<http_field> headers;  // Host, Content-Type, X-Amz-*, Authorization
  secure_string body;               // may hold secret values

  [[nodiscard]] std::string_view header(std::string_view name) const;  // case-insensitive; "" when absent
};

struct http_response {
  int status = 0;
  std::vector<http_field> headers;
  secure_string body;  // may hold secret values

  [[nodiscard]] std::string_view header(std::string_view name) const;
};

struct transport_result {
  error_info error;  // code set: no usable response
  http_response response;
};

class transport {
 public:
  virtual ~transport() = default;
  // Never throws for I/O failures; they come back in `error`. A failure after
  // the request was written sets `error.maybe_applied`.
  virtual boost::asio::awaitable<transport_result> send(const http_request& req) = 0;
};

}  // namespace janitor::sm
