#pragma once

// Runs a coroutine to completion on an io_context with a time bound, so a
// hung operation fails the test instead of hanging it.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <stdexcept>

namespace janitor::test {

template <class T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> op,
      std::chrono::steady_clock::duration bound = std::chrono::seconds(60)) {
  auto fut = boost::asio::co_spawn(ioc, std::move(op), boost::asio::use_future);
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("test coroutine did not finish in time");
    ioc.run_for(std::chrono::milliseconds(50));
  }
  return fut.get();
}

}  // namespace janitor::test
