#include <janitor/sm_client/fault_transport.hpp>

#include <charconv>

namespace janitor::sm {
namespace {

constexpr std::string_view kinds[] = {"refuse",  "reset",    "lose_response", "stall",   "http500",
                                      "http503", "throttle", "access_denied", "garbled", "truncated"};

transport_result synthetic(int status, std::string_view type, std::string_view message) {
  transport_result r;
  r.response.status = status;
  r.response.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                        {"X-Amzn-ErrorType", std::string(type)}};
  r.response.body.assign(R"({"__type":")" + std::string(type) + R"(","message":")" + std::string(message) +
                         "\"}");
  return r;
}

transport_result failure(errc code, std::string message, bool maybe_applied) {
  transport_result r;
  r.error.code = code;
  r.error.message = std::move(message);
  r.error.maybe_applied = maybe_applied;
  return r;
}

}  // namespace

std::optional<std::vector<fault_rule>> parse_fault_plan(std::string_view plan, std::string& err) {
  std::vector<fault_rule> out;
  while (!plan.empty()) {
    const auto comma = plan.find(',');
    const std::string_view item = plan.substr(0, comma);
    plan = comma == std::string_view::npos ? std::string_view{} : plan.substr(comma + 1);
    if (item.empty()) continue;
    const auto c1 = item.find(':');
    const auto c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    if (c2 == std::string_view::npos) {
      err = "fault rule '" + std::string(item) + "' is not Operation:N:kind";
      return std::nullopt;
    }
    fault_rule r;
    r.operation = std::string(item.substr(0, c1));
    const std::string_view n = item.substr(c1 + 1, c2 - c1 - 1);
    if (n != "*") {
      const auto res = std::from_chars(n.data(), n.data() + n.size(), r.nth);
      if (res.ec != std::errc{} || r.nth < 1) {
        err = "fault rule '" + std::string(item) + "': N must be a number from 1, or *";
        return std::nullopt;
      }
    }
    r.kind = std::string(item.substr(c2 + 1));
    if (std::find(std::begin(kinds), std::end(kinds), r.kind) == std::end(kinds)) {
      err = "fault rule '" + std::string(item) + "': unknown kind";
      return std::nullopt;
    }
    out.push_back(std::move(r));
  }
  return out;
}

boost::asio::awaitable<transport_result> fault_transport::send(const http_request& req) {
  std::string_view target = req.header("X-Amz-Target");
  if (auto dot = target.find('.'); dot != std::string_view::npos) target.remove_prefix(dot + 1);
  const std::string op(target);
  const int n = ++counts_[op];
  const fault_rule* hit = nullptr;
  for (const auto& r : rules_) {
    if ((r.operation == "*" || r.operation == op) && (r.nth == 0 || r.nth == n)) {
      hit = &r;
      break;
    }
  }
  if (hit == nullptr) co_return co_await inner_->send(req);
  ++injected_;
  const std::string& k = hit->kind;
  if (k == "refuse") co_return failure(errc::network, "injected: connection refused", false);
  if (k == "http500") co_return synthetic(500, "InternalServiceError", "injected");
  if (k == "http503") co_return synthetic(503, "ServiceUnavailable", "injected");
  if (k == "throttle") co_return synthetic(400, "ThrottlingException", "Rate exceeded (injected)");
  if (k == "access_denied") co_return synthetic(400, "AccessDeniedException", "injected");
  // The rest reach the service first.
  transport_result real = co_await inner_->send(req);
  if (k == "reset") co_return failure(errc::network, "injected: connection reset before the response", true);
  if (k == "lose_response") co_return failure(errc::network, "injected: the response was lost", true);
  if (k == "stall") co_return failure(errc::timeout, "injected: no response within the timeout", true);
  if (real.error.failed()) co_return real;
  if (k == "garbled") {
    real.response.body.assign("\x1f\x8b garbled \xff");
  } else if (k == "truncated") {
    const std::string cut(real.response.body.view().substr(0, real.response.body.size() / 2));
    real.response.body.assign(cut);
  }
  co_return real;
}

}  // namespace janitor::sm
