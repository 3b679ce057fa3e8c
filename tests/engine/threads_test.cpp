// Concurrent writes on one io_context run by several threads. Each client lives
// on its own strand (clients are not thread-safe; the io_context is shared).
// Built and run under ThreadSanitizer by scripts/test.sh.

#include <janitor/engine/write.hpp>
#include <janitor/sm_client/http_transport.hpp>

#include "moto_server.hpp"
#include "test_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

using namespace janitor;

TEST_CASE("writes from four strands of one multi-threaded io_context") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  sm::error_info err;
  const auto ep = *sm::parse_endpoint(moto.url(), err);

  constexpr int strands = 4;
  constexpr int writes_each = 6;
  std::vector<std::unique_ptr<sm::secrets_client>> clients;
  std::vector<std::string> ids;
  {
    auto setup = test::make_test_client(ioc, moto.url());
    for (int i = 0; i < strands; ++i) {
      ids.push_back(test::unique_name("threads"));
      std::promise<bool> done;
      auto fut = done.get_future();
      boost::asio::co_spawn(
          ioc, setup->create_secret(ids.back(), secure_string(R"({"A": "0"})")),
          [&](std::exception_ptr, sm::result<sm::create_secret_result> r) { done.set_value(r.ok()); });
      ioc.run();
      ioc.restart();
      REQUIRE(fut.get());
    }
  }
  for (int i = 0; i < strands; ++i) {
    auto strand = boost::asio::make_strand(ioc);
    auto made = sm::make_http_transport(strand, ep, {});
    sm::client_options o;
    o.region = "us-east-1";
    o.ep = ep;
    clients.push_back(std::make_unique<sm::secrets_client>(
        strand, made.transport, sm::make_static_credentials(test::test_credentials()), o));
  }

  std::atomic<int> applied{0};
  std::atomic<int> finished{0};
  for (int i = 0; i < strands; ++i) {
    for (int k = 0; k < writes_each; ++k) {
      // Several writes per secret at once: they race each other through the CAS.
      engine::write_options opts;
      opts.max_attempts = 20;
      engine::async_write_secret(*clients[i], ids[i], {engine::edit::set("K" + std::to_string(k), "v")}, opts,
                                 [&](boost::system::error_code, engine::write_result r) {
                                   if (r.result == engine::outcome::applied)
                                     ++applied;
                                   else
                                     MESSAGE(r);
                                   ++finished;
                                 });
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { ioc.run_for(std::chrono::seconds(120)); });
  for (auto& t : threads) t.join();
  CHECK(finished == strands * writes_each);
  CHECK(applied == strands * writes_each);
}
