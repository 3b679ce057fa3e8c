// The client against a real loopback HTTP server that follows a script:
// retries, backoff budget, clock skew, timeouts, cancellation, bad responses.

#include <janitor/sm_client/client.hpp>

#include "run.hpp"
#include "scripted_server.hpp"
#include "test_client.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <doctest/doctest.h>

using namespace janitor;
using janitor::test::scripted_step;

namespace {
const std::string get_ok = R"({"ARN":"arn","Name":"n","VersionId":"v-00000000000000000000000000000001",)"
                           R"("SecretString":"{}","VersionStages":["AWSCURRENT"]})";
}

TEST_CASE("transient failures of an idempotent call are retried") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  SUBCASE("500 then success") {
    server.push(scripted_step::error(500, "InternalServiceError"));
    server.push(scripted_step::ok(get_ok));
  }
  SUBCASE("throttled twice then success") {
    server.push(scripted_step::error(400, "ThrottlingException", "Rate exceeded"));
    server.push(scripted_step::error(429, "TooManyRequestsException"));
    server.push(scripted_step::ok(get_ok));
  }
  SUBCASE("connection dropped before the response, then success") {
    server.push(scripted_step::drop());
    server.push(scripted_step::ok(get_ok));
  }
  const auto r = test::run(ioc, client->get_secret_value("n"));
  REQUIRE(r.ok());
  CHECK(r.value.version_id == "v-00000000000000000000000000000001");
  CHECK(server.requests().size() == client->requests_sent());
  CHECK(server.steps_left() == 0);
  // Every attempt is signed anew.
  CHECK(server.requests()
            .back()
            .header("Authorization")
            .starts_with("AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/"));
}

TEST_CASE("attempts are bounded") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  for (int i = 0; i < 5; ++i) server.push(scripted_step::error(503, "ServiceUnavailable"));
  const auto r = test::run(ioc, client->get_secret_value("n"));
  CHECK(r.error.code == sm::errc::internal_error);
  CHECK(server.requests().size() == 3);
}

TEST_CASE("errors that are not transient are not retried") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  server.push(scripted_step::error(400, "LimitExceededException", "too many labels"));
  const auto r = test::run(ioc, client->get_secret_value("n"));
  CHECK(r.error.code == sm::errc::limit_exceeded);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("the stage move is never retried once it may have reached the service") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  SUBCASE("500 after sending: ambiguous") {
    server.push(scripted_step::error(500, "InternalServiceError"));
    const auto r = test::run(ioc, client->update_secret_version_stage("n", "AWSCURRENT", "to", "from"));
    CHECK(r.error.code == sm::errc::internal_error);
    CHECK(r.error.maybe_applied);
    CHECK(server.requests().size() == 1);
  }
  SUBCASE("connection lost after sending: ambiguous") {
    server.push(scripted_step::drop());
    const auto r = test::run(ioc, client->update_secret_version_stage("n", "AWSCURRENT", "to", "from"));
    CHECK(r.error.code == sm::errc::network);
    CHECK(r.error.maybe_applied);
    CHECK(server.requests().size() == 1);
  }
  SUBCASE("throttled: the service refused before acting, so it is retried") {
    server.push(scripted_step::error(400, "ThrottlingException"));
    server.push(scripted_step::ok("{}"));
    const auto r = test::run(ioc, client->update_secret_version_stage("n", "AWSCURRENT", "to", "from"));
    CHECK(r.ok());
    CHECK(server.requests().size() == 2);
  }
}

TEST_CASE("the retry budget stops a retry storm") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  sm::client_options opts;
  opts.retry.budget_tokens = 5;  // one retry's worth
  auto client = test::make_test_client(ioc, server.url(), test::test_credentials(), {}, opts);
  for (int i = 0; i < 10; ++i) server.push(scripted_step::error(500, "InternalServiceError"));
  CHECK(test::run(ioc, client->get_secret_value("n")).error.failed());
  CHECK(server.requests().size() == 2);
  CHECK(test::run(ioc, client->get_secret_value("n")).error.failed());
  CHECK(server.requests().size() == 3);  // no tokens left: no retry
}

TEST_CASE("a PutSecretValue retry reuses its ClientRequestToken and body") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  server.push(scripted_step::error(500, "InternalServiceError"));
  server.push(
      scripted_step::ok(R"({"ARN":"a","Name":"n","VersionId":"tok-0000000000000000000000000000001"})"));
  const auto r =
      test::run(ioc, client->put_secret_value("n", secure_string(R"({"A":"1"})"),
                                              "tok-0000000000000000000000000000001", {"janitor-pending-x"}));
  REQUIRE(r.ok());
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[0].body == server.requests()[1].body);
  CHECK(server.requests()[0].body.find("tok-0000000000000000000000000000001") != std::string::npos);
}

TEST_CASE("clock skew reported by the service is corrected and the call re-signed") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  sm::client_options opts;
  const auto local = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + std::chrono::hours(10);
  opts.now = [local] { return local; };
  auto client = test::make_test_client(ioc, server.url(), test::test_credentials(), {}, opts);
  auto skewed = scripted_step::error(400, "InvalidSignatureException", "Signature expired: 20261204T100000Z");
  skewed.headers.emplace_back("Date", "Fri, 04 Dec 2026 11:30:00 GMT");
  server.push(skewed);
  server.push(scripted_step::ok(get_ok));
  const auto r = test::run(ioc, client->get_secret_value("n"));
  REQUIRE(r.ok());
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[0].header("X-Amz-Date") == "20261204T100000Z");
  CHECK(server.requests()[1].header("X-Amz-Date") == "20261204T113000Z");
}

TEST_CASE("bad responses are clear errors") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  sm::http_options http;
  http.max_response_bytes = 4096;
  http.request_timeout = std::chrono::milliseconds(300);
  sm::client_options opts;
  opts.retry.max_attempts = 1;
  auto client = test::make_test_client(ioc, server.url(), test::test_credentials(), http, opts);
  SUBCASE("not JSON") {
    server.push(scripted_step::ok("<html>hello</html>"));
    CHECK(test::run(ioc, client->get_secret_value("n")).error.code == sm::errc::malformed_response);
  }
  SUBCASE("JSON without the fields") {
    server.push(scripted_step::ok(R"({"Name":"n"})"));
    CHECK(test::run(ioc, client->get_secret_value("n")).error.code == sm::errc::malformed_response);
  }
  SUBCASE("too large") {
    server.push(scripted_step::ok(std::string(10000, ' ') + get_ok));
    CHECK(test::run(ioc, client->get_secret_value("n")).error.code == sm::errc::response_too_large);
  }
  SUBCASE("a stall past the request timeout") {
    server.push(scripted_step::stall());
    const auto started = std::chrono::steady_clock::now();
    CHECK(test::run(ioc, client->get_secret_value("n")).error.code == sm::errc::timeout);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  }
  SUBCASE("an error status without an error type") {
    server.push({scripted_step::kind::respond, 418, "", {}, false});
    CHECK(test::run(ioc, client->get_secret_value("n")).error.code == sm::errc::malformed_response);
  }
}

TEST_CASE("per-call cancellation through a cancellation slot") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  server.push(scripted_step::stall());
  boost::asio::cancellation_signal signal;
  std::optional<sm::result<sm::secret_value>> got;
  bool threw = false;
  boost::asio::co_spawn(ioc, client->get_secret_value("n"),
                        boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, auto r) {
                          threw = e != nullptr;
                          got = r;
                        }));
  boost::asio::steady_timer t(ioc, std::chrono::milliseconds(200));
  t.async_wait([&](auto) { signal.emit(boost::asio::cancellation_type::terminal); });
  ioc.run_for(std::chrono::seconds(10));
  REQUIRE(got.has_value());
  CHECK_FALSE(threw);
  INFO(got->error.describe());
  CHECK(got->error.code == sm::errc::cancelled);
}

TEST_CASE("keep-alive: connections are reused, and a stale one is replaced without a retry") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto client = test::make_test_client(ioc, server.url());
  auto keep = scripted_step::ok(get_ok);
  keep.keep_alive = true;
  server.push(keep);
  server.push(keep);
  CHECK(test::run(ioc, client->get_secret_value("n")).ok());
  CHECK(test::run(ioc, client->get_secret_value("n")).ok());
  CHECK(server.connections_accepted() == 1);

  // The server now closes the idle connection; the next call, even the
  // non-idempotent stage move, goes through on a fresh connection.
  server.close_idle_connections();
  server.push(scripted_step::ok("{}"));
  const auto r = test::run(ioc, client->update_secret_version_stage("n", "AWSCURRENT", "a", "b"));
  CHECK(r.ok());
  CHECK(server.connections_accepted() == 2);
  CHECK(server.requests().size() == 3);
}
