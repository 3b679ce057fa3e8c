#pragma once

// An in-memory Secrets Manager for the engine's unit tests: versions, stages,
// the AWSCURRENT compare-and-swap and AWSPREVIOUS bookkeeping as the service
// does them, a log of every call, hooks that run before a call (a teammate
// writing at exactly that step), and injected faults.

#include <janitor/engine/secrets_api.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace janitor::test {

struct fake_version {
  std::string value;
  bool binary = false;
  std::set<std::string> stages;
  int order = 0;
};

struct fake_fault {
  enum class kind {
    refuse,        // return `error` without acting
    lose_response  // act, then return `error` (maybe_applied): the response was lost
  };
  kind what = kind::refuse;
  sm::errc code = sm::errc::internal_error;
};

class fake_secrets final : public engine::secrets_api {
 public:
  explicit fake_secrets(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

  [[nodiscard]] boost::asio::any_io_executor get_executor() const override { return ex_; }

  // Set-up and inspection.
  std::string create(const std::string& id, const std::string& value, bool binary = false);
  std::string teammate_write(const std::string& id,
                             const std::string& value);  // a careful stage-then-move writer
  [[nodiscard]] std::string current_id(const std::string& id) const;
  [[nodiscard]] std::string current_value(const std::string& id) const;
  [[nodiscard]] const std::map<std::string, fake_version>& versions(const std::string& id) const;
  [[nodiscard]] std::vector<std::string> pending_labels(const std::string& id) const;
  [[nodiscard]] int current_moves(const std::string& id) const {
    return moves_.count(id) ? moves_.at(id) : 0;
  }

  // Every call, e.g. "GetSecretValue", "PutSecretValue", "Move AWSCURRENT", "Remove janitor-pending-...",
  // "DescribeSecret".
  std::vector<std::string> calls;
  // Runs before the n-th call (0-based) of `op` ("GetSecretValue", "PutSecretValue",
  // "UpdateSecretVersionStage", "DescribeSecret") does anything.
  std::function<void(const std::string& op, int n)> before;
  // Faults by operation, consumed in order.
  std::map<std::string, std::deque<fake_fault>> faults;
  // Each call takes this long (a timer), so cancellation can land mid-call.
  std::chrono::milliseconds latency{0};

  boost::asio::awaitable<sm::result<sm::secret_value>> read_current(const std::string& secret_id) override;
  boost::asio::awaitable<sm::result<sm::put_secret_value_result>> put_staged(
      const std::string& secret_id, const secure_string& value, const std::string& token,
      const std::vector<std::string>& stages) override;
  boost::asio::awaitable<sm::result<sm::empty_value>> move_stage(const std::string& secret_id,
                                                                 const std::string& stage,
                                                                 const std::string& move_to,
                                                                 const std::string& remove_from) override;
  boost::asio::awaitable<sm::result<sm::secret_description>> read_stages(
      const std::string& secret_id) override;

 private:
  struct secret {
    std::map<std::string, fake_version> versions;
  };
  sm::error_info move(const std::string& id, const std::string& stage, const std::string& to,
                      const std::string& from);
  sm::error_info put(const std::string& id, const std::string& value, const std::string& token,
                     const std::vector<std::string>& stages);
  boost::asio::awaitable<bool> begin_call(const std::string& op);  // false: cancelled during latency
  std::optional<fake_fault> take_fault(const std::string& op);
  // The start every call shares: the latency (false: cancelled during it), then
  // the next fault. Returns the error to answer with; with `late`, a fault that
  // lets the call act first goes there instead.
  boost::asio::awaitable<sm::error_info> enter(std::string op, std::optional<fake_fault>* late);

  boost::asio::any_io_executor ex_;
  std::map<std::string, secret> secrets_;
  std::map<std::string, int> counts_;
  std::map<std::string, int> moves_;
  int order_ = 0;
};

}  // namespace janitor::test
