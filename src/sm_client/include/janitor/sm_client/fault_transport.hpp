#pragma once

// A transport that injects faults into chosen calls of an inner transport:
// for the fault tests and for recording failure scenarios. Not for production use.
//
// A plan is a list of rules "Operation:N:kind" (N counts from 1, "*" is every call):
//   refuse         connection refused: nothing was sent
//   reset          the request was sent, the connection reset before the response
//   lose_response  the request was sent and acted on; the response is lost (maybe_applied)
//   stall          no answer within the timeout (maybe_applied)
//   http500, http503, throttle, access_denied   a synthetic error response (not sent)
//   garbled        the service acted; the response body is garbage
//   truncated      the service acted; the response body is cut short

#include <janitor/sm_client/transport.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace janitor::sm {

struct fault_rule {
  std::string operation;  // e.g. "UpdateSecretVersionStage"; "*" for any
  int nth = 0;            // 1-based; 0: every call
  std::string kind;
};

// Parses "Op:N:kind,Op:N:kind". Returns nullopt and sets `err` on a bad plan.
std::optional<std::vector<fault_rule>> parse_fault_plan(std::string_view plan, std::string& err);

class fault_transport final : public transport {
 public:
  fault_transport(std::shared_ptr<transport> inner, std::vector<fault_rule> rules)
      : inner_(std::move(inner)), rules_(std::move(rules)) {}
  boost::asio::awaitable<transport_result> send(const http_request& req) override;
  [[nodiscard]] int injected() const noexcept { return injected_; }

 private:
  std::shared_ptr<transport> inner_;
  std::vector<fault_rule> rules_;
  std::map<std::string, int> counts_;
  int injected_ = 0;
};

}  // namespace janitor::sm
