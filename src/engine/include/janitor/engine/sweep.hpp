#pragma once

// Finding and removing orphaned janitor-pending-* labels: the ones a crash or
// a failed cleanup left behind. A secret holds at most 20 staging labels, so
// orphans eventually block every staged write.

#include <janitor/sm_client/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace janitor::engine {

inline constexpr std::string_view pending_label_prefix = "janitor-pending-";

struct pending_label {
  std::string label;
  std::string version_id;
  std::vector<std::string> version_stages;
  std::optional<double> created;  // seconds since the epoch
  bool recent = false;            // made within min_age: a write may still be in progress
};

struct sweep_plan {
  sm::error_info error;
  std::vector<pending_label> labels;
};

// Lists every janitor-pending-* label of the secret.
boost::asio::awaitable<sweep_plan> plan_sweep(sm::secrets_client& client, std::string secret_id,
                                              std::chrono::system_clock::time_point now,
                                              std::chrono::seconds min_age = std::chrono::minutes(10));

struct sweep_result {
  std::vector<std::string> removed;
  std::vector<std::string> skipped;  // recent, without force
  std::vector<std::pair<std::string, sm::error_info>> failed;
};

// Removes the planned labels (recent ones only with `force`).
boost::asio::awaitable<sweep_result> run_sweep(sm::secrets_client& client, std::string secret_id,
                                               sweep_plan plan, bool force);

}  // namespace janitor::engine
