#pragma once

// The --max-tps limit on mutating calls, for all writes of one run together:
// never more than floor(per_second) calls start in any window of one second
// (for a rate below one, one call per 1/per_second seconds). A single write's
// three calls go out at once; a bulk run is paced at the rate. (An even
// spacing of 1/per_second made every single write wait two intervals.)

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <deque>

namespace janitor::cli {

class call_window {
 public:
  using clock = std::chrono::steady_clock;

  explicit call_window(double per_second)
      : count_(static_cast<std::size_t>(std::max(1.0, std::floor(per_second)))),
        window_(std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(static_cast<double>(count_) / per_second))) {}

  // When a call asked for at `now` may start; the caller waits until then.
  clock::time_point reserve(clock::time_point now) {
    // Starts a window ago can no longer hold anything back.
    while (!starts_.empty() && starts_.front() + window_ <= now) starts_.pop_front();
    clock::time_point at = now;
    if (starts_.size() >= count_) at = std::max(at, starts_[starts_.size() - count_] + window_);
    if (!starts_.empty()) at = std::max(at, starts_.back());
    starts_.push_back(at);
    return at;
  }

  [[nodiscard]] std::size_t count() const { return count_; }
  [[nodiscard]] clock::duration window() const { return window_; }

 private:
  std::size_t count_;
  clock::duration window_;
  std::deque<clock::time_point> starts_;  // reserved start times, in order
};

class rate_limiter {
 public:
  rate_limiter(boost::asio::any_io_executor ex, double per_second)
      : ex_(std::move(ex)), window_(per_second) {}

  boost::asio::awaitable<void> acquire() {
    const auto at = window_.reserve(call_window::clock::now());
    if (at > call_window::clock::now()) {
      boost::asio::steady_timer t(ex_, at);
      co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

 private:
  boost::asio::any_io_executor ex_;
  call_window window_;
};

}  // namespace janitor::cli
