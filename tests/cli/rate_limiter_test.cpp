#include "rate_limiter.hpp"

#include <doctest/doctest.h>

#include <random>
#include <vector>

using janitor::cli::call_window;
using namespace std::chrono_literals;

namespace {
const call_window::clock::time_point t0{};
}

TEST_CASE(
    "a single write's calls are not held back; the call after the window's count waits for the window") {
  call_window w(40);
  CHECK(w.count() == 40);
  CHECK(w.window() == 1s);
  for (int i = 0; i < 3; ++i) CHECK(w.reserve(t0) == t0);
  for (int i = 3; i < 40; ++i) CHECK(w.reserve(t0 + 10ms) == t0 + 10ms);
  CHECK(w.reserve(t0 + 20ms) == t0 + 1s);  // the 41st: a second after the 1st
  CHECK(w.reserve(t0 + 30ms) == t0 + 1s);  // 2nd..3rd started at t0 too
  CHECK(w.reserve(t0 + 30ms) == t0 + 1s);
  CHECK(w.reserve(t0 + 30ms) == t0 + 1s + 10ms);  // the 4th started at t0 + 10 ms
  // Long after, the window is empty again.
  CHECK(w.reserve(t0 + 10s) == t0 + 10s);
}

TEST_CASE("rates below one call per second, and fractional rates") {
  call_window slow(0.5);
  CHECK(slow.count() == 1);
  CHECK(slow.window() == 2s);
  CHECK(slow.reserve(t0) == t0);
  CHECK(slow.reserve(t0) == t0 + 2s);
  CHECK(slow.reserve(t0 + 1s) == t0 + 4s);

  call_window frac(2.5);
  CHECK(frac.count() == 2);
  CHECK(frac.window() == 800ms);
}

TEST_CASE("property: no window ever holds more than the count, no call starts early, none waits needlessly") {
  std::mt19937 rng(20261204);
  for (const double rate : {1.0, 3.0, 40.0, 7.5}) {
    call_window w(rate);
    std::vector<call_window::clock::time_point> asked;
    std::vector<call_window::clock::time_point> got;
    auto now = t0;
    for (int i = 0; i < 2000; ++i) {
      now += std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(rng));
      asked.push_back(now);
      got.push_back(w.reserve(now));
    }
    const std::size_t k = w.count();
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i] >= asked[i]);
      if (i > 0) CHECK(got[i] >= got[i - 1]);
      if (i >= k) CHECK(got[i] - got[i - k] >= w.window());
      // Waiting only when the window before the asked time is full, or behind an earlier waiter.
      if (got[i] > asked[i]) {
        const bool behind_waiter = i > 0 && got[i] == got[i - 1];
        const bool window_full = i >= k && got[i] == got[i - k] + w.window();
        CHECK((behind_waiter || window_full));
      }
    }
  }
}
