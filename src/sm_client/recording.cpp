#include <janitor/sm_client/recording.hpp>

#include "cassette_detail.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>

// The recording and replay transports; the cassette format is in cassette.cpp.

namespace janitor::sm {
namespace json = boost::json;
using namespace detail;

boost::asio::awaitable<transport_result> recording_transport::send(const http_request& req) {
  transport_result res = co_await inner_->send(req);
  recorded_exchange x;
  x.method = req.method;
  x.target = req.target;
  x.operation = operation_of(req);
  x.body = body_value(req.body.view());
  const bool carries_secret = x.body.is_object() && x.body.as_object().contains("SecretString");
  redactor_.redact_body(x.body);
  if (res.error.failed()) {
    x.failure = res.error;
  } else {
    x.status = res.response.status;
    for (const auto& h : res.response.headers) {
      if (boost::algorithm::iequals(h.name, "Content-Type") || boost::algorithm::iequals(h.name, "Date") ||
          boost::algorithm::iequals(h.name, "X-Amzn-ErrorType")) {
        x.headers.push_back(h);
      }
    }
    x.response_body = body_value(res.response.body.view());
    redactor_.redact_body(x.response_body);
    // An error message may quote the request, which here held secret values.
    if (carries_secret && redactor_.active() && res.response.status >= 300 && x.response_body.is_object()) {
      for (const char* k : {"message", "Message"}) {
        if (auto* m = x.response_body.as_object().if_contains(k)) *m = "(redacted)";
      }
    }
  }
  sink_->exchanges.push_back(std::move(x));
  co_return res;
}

boost::asio::awaitable<transport_result> replay_transport::send(const http_request& req) {
  transport_result out;
  auto fail = [&](std::string message) {
    out.error.code = errc::replay_mismatch;
    out.error.message = std::move(message);
    if (!mismatch_) mismatch_ = out.error;
  };
  const std::string op = operation_of(req);
  if (mismatch_) {
    fail("replay stopped after an earlier mismatch");
    co_return out;
  }
  if (next_ >= cassette_->exchanges.size()) {
    fail("replay: request #" + std::to_string(next_ + 1) + " (" + op +
         ") is not in the recording, which has " + std::to_string(cassette_->exchanges.size()) +
         " exchanges");
    co_return out;
  }
  const recorded_exchange& x = cassette_->exchanges[next_];
  const std::string where =
      "replay: exchange #" + std::to_string(next_ + 1) + " (recorded " + x.operation + ")";
  ++next_;
  if (op != x.operation || req.method != x.method || req.target != x.target) {
    fail(where + ": the run sent " + req.method + " " + req.target + " " + op + " instead");
    co_return out;
  }
  const json::value sent = comparable(body_value(req.body.view()));
  const json::value recorded = comparable(x.body);
  if (sent != recorded) {
    fail(where + ": the request differs from the recording:" + describe_difference(recorded, sent));
    co_return out;
  }
  if (x.failure) {
    out.error = *x.failure;
    co_return out;
  }
  out.response.status = x.status;
  out.response.headers = x.headers;
  out.response.body.assign(x.response_body.is_string() ? std::string(x.response_body.as_string())
                                                       : json::serialize(x.response_body));
  co_return out;
}

std::optional<error_info> replay_transport::finish() const {
  if (mismatch_) return mismatch_;
  if (next_ < cassette_->exchanges.size()) {
    error_info e;
    e.code = errc::replay_mismatch;
    e.message = "replay: the run ended after " + std::to_string(next_) + " of " +
                std::to_string(cassette_->exchanges.size()) +
                " recorded exchanges (next: " + cassette_->exchanges[next_].operation + ")";
    return e;
  }
  return std::nullopt;
}

}  // namespace janitor::sm
