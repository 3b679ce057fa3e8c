// The write engine through the live client against a real moto server.

#include <janitor/engine/write.hpp>

#include "moto_server.hpp"
#include "run.hpp"
#include "test_client.hpp"

#include <boost/json.hpp>

#include <doctest/doctest.h>

using namespace janitor;
using engine::edit;
using engine::outcome;

namespace {

engine::write_options fast_options() {
  engine::write_options o;
  o.backoff_base = std::chrono::milliseconds(5);
  o.max_attempts = 20;  // eight writers on one secret: enough room for each to win once
  return o;
}

std::vector<std::string> pending_labels(boost::asio::io_context& ioc, sm::secrets_client& c,
                                        const std::string& id) {
  auto versions = test::run(ioc, c.list_secret_version_ids(id));
  REQUIRE(versions.ok());
  std::vector<std::string> out;
  for (const auto& v : versions.value) {
    for (const auto& s : v.version_stages) {
      if (s.starts_with("janitor-pending-")) out.push_back(s);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a write against moto: applied, then no-op, then unsupported and missing") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto client = test::make_test_client(ioc, moto.url());
  const std::string id = test::unique_name("engine");
  REQUIRE(
      test::run(ioc, client->create_secret(id, secure_string(R"({"DB_HOST": "a", "PORT": 5432, "R": 1.0})")))
          .ok());

  auto r =
      test::run(ioc, engine::write_secret(*client, id, {edit::set("DB_HOST", "b"), edit::set("NEW", "x")}));
  CAPTURE(r);
  REQUIRE(r.result == outcome::applied);
  auto got = test::run(ioc, client->get_secret_value(id));
  CHECK(got.value.secret_string->view() == R"({"DB_HOST": "b", "PORT": 5432, "R": 1.0, "NEW": "x"})");
  CHECK(got.value.version_id == r.version_id);
  CHECK(pending_labels(ioc, *client, id).empty());

  r = test::run(ioc, engine::write_secret(*client, id, {edit::set("DB_HOST", "b")}));
  CHECK(r.result == outcome::noop);

  const std::string nested = test::unique_name("nested");
  REQUIRE(test::run(ioc, client->create_secret(nested, secure_string(R"({"A": {"B": 1}})"))).ok());
  r = test::run(ioc, engine::write_secret(*client, nested, {edit::set("A", "x")}));
  CHECK(r.result == outcome::unsupported);

  r = test::run(ioc, engine::write_secret(*client, test::unique_name("missing"), {edit::set("A", "x")}));
  CHECK(r.result == outcome::error);
  CHECK(r.error.code == sm::errc::resource_not_found);

  const std::string empty = test::unique_name("empty");
  REQUIRE(test::run(ioc, client->create_secret(empty, std::nullopt)).ok());
  r = test::run(ioc, engine::write_secret(*client, empty, {edit::set("A", "x")}));
  CHECK(r.error.code == engine::errc::no_current_value);
}

TEST_CASE("8 writers on one io_context, each a different key of one secret: all 8 survive") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto client = test::make_test_client(ioc, moto.url());
  const std::string id = test::unique_name("eight");
  REQUIRE(test::run(ioc, client->create_secret(id, secure_string(R"({"SEED": "0"})"))).ok());

  std::vector<engine::write_result> results(8);
  int done = 0;
  for (int i = 0; i < 8; ++i) {
    engine::async_write_secret(*client, id, {edit::set("K" + std::to_string(i), "v")}, fast_options(),
                               [&, i](boost::system::error_code, engine::write_result r) {
                                 results[i] = std::move(r);
                                 ++done;
                               });
  }
  ioc.restart();
  ioc.run_for(std::chrono::seconds(120));
  REQUIRE(done == 8);
  for (const auto& r : results) {
    CAPTURE(r);
    CHECK(r.result == outcome::applied);
  }
  const auto final_value = test::run(ioc, client->get_secret_value(id));
  const auto obj = boost::json::parse(final_value.value.secret_string->view()).as_object();
  CHECK(obj.size() == 9);
  for (int i = 0; i < 8; ++i) CHECK(obj.contains("K" + std::to_string(i)));
  CHECK(pending_labels(ioc, *client, id).empty());
}

TEST_CASE("several writers on the same key: each applied or conflict, the final value is one writer's") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto client = test::make_test_client(ioc, moto.url());
  const std::string id = test::unique_name("samekey");
  REQUIRE(test::run(ioc, client->create_secret(id, secure_string(R"({"K": "start"})"))).ok());

  constexpr int writers = 5;
  std::vector<engine::write_result> results(writers);
  int done = 0;
  for (int i = 0; i < writers; ++i) {
    engine::async_write_secret(*client, id, {edit::set("K", "writer-" + std::to_string(i))}, fast_options(),
                               [&, i](boost::system::error_code, engine::write_result r) {
                                 results[i] = std::move(r);
                                 ++done;
                               });
  }
  ioc.restart();
  ioc.run_for(std::chrono::seconds(120));
  REQUIRE(done == writers);
  const auto final_value = test::run(ioc, client->get_secret_value(id));
  const auto obj = boost::json::parse(final_value.value.secret_string->view()).as_object();
  int applied = 0;
  for (int i = 0; i < writers; ++i) {
    CAPTURE(results[i]);
    CHECK((results[i].result == outcome::applied || results[i].result == outcome::conflict));
    if (results[i].result == outcome::conflict)
      CHECK(results[i].conflicting_keys == std::vector<std::string>{"K"});
    if (results[i].result == outcome::applied) {
      ++applied;
    }
  }
  CHECK(applied >= 1);
  // The value now is the one written by the writer whose version is current.
  bool matches_current = false;
  for (int i = 0; i < writers; ++i) {
    if (results[i].result == outcome::applied && results[i].version_id == final_value.value.version_id) {
      matches_current = obj.at("K").as_string() == "writer-" + std::to_string(i);
    }
  }
  CHECK(matches_current);
  CHECK(pending_labels(ioc, *client, id).empty());
}
