// The write engine against an in-memory Secrets Manager: every branch of the
// protocol, the exact sequence of calls, and the invariants after each run.

#include <janitor/engine/write.hpp>

#include "fake_secrets.hpp"
#include "run.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <sstream>

using namespace janitor;
using engine::edit;
using engine::outcome;
using strings = std::vector<std::string>;

namespace {

struct fixture {
  boost::asio::io_context ioc;
  test::fake_secrets fake{ioc.get_executor()};
  engine::write_options opts;
  int tokens_made = 0;

  fixture() {
    opts.token_source = [this] {
      return "4a4a4a4a-0000-4000-8000-" + std::to_string(100000000000 + ++tokens_made);
    };
    opts.jitter = [] { return 0.0; };
    opts.backoff_base = std::chrono::milliseconds(1);
    opts.resolve_timeout = std::chrono::milliseconds(2000);
  }

  engine::write_result write(std::vector<edit> edits, const std::string& id = "app") {
    return test::run(ioc, engine::write_secret(fake, id, std::move(edits), opts));
  }

  // After every run: no label of ours left behind unless the result says so,
  // and AWSCURRENT moved at most once per staged attempt.
  void check_invariants(const engine::write_result& r, const std::string& id = "app") {
    const auto labels = fake.pending_labels(id);
    if (!r.pending_label_left) {
      CHECK_MESSAGE(labels.empty(), "pending labels left: ", labels.size());
    } else {
      CHECK(labels.size() <= static_cast<std::size_t>(r.attempts));
    }
  }
};

}  // namespace

TEST_CASE("applied: read, stage, commit, settle; untouched entries byte for byte") {
  fixture f;
  const std::string base = f.fake.create("app", R"({"DB_HOST": "db.internal", "PORT": 5432, "RATIO": 1.0})");
  const auto r = f.write({edit::set("DB_PASSWORD", "hunter2"), edit::set("DB_HOST", "db2.internal")});
  CAPTURE(r);
  REQUIRE(r.result == outcome::applied);
  CHECK(f.fake.calls == strings{"GetSecretValue", "PutSecretValue", "Move AWSCURRENT",
                                "Remove janitor-pending-" + r.version_id});
  CHECK(r.version_id == "4a4a4a4a-0000-4000-8000-100000000001");
  CHECK(r.previous_version_id == base);
  CHECK(r.attempts == 1);
  CHECK(r.added == strings{"DB_PASSWORD"});
  CHECK(r.changed == strings{"DB_HOST"});
  CHECK(r.removed.empty());
  CHECK_FALSE(r.pending_label_left);
  CHECK(f.fake.current_value("app") ==
        R"({"DB_HOST": "db2.internal", "PORT": 5432, "RATIO": 1.0, "DB_PASSWORD": "hunter2"})");
  CHECK(f.fake.versions("app").at(base).stages == std::set<std::string>{"AWSPREVIOUS"});
  CHECK(f.fake.current_moves("app") == 1);
  f.check_invariants(r);
}

TEST_CASE("no-op: nothing is written") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  SUBCASE("setting the same value") { CHECK(f.write({edit::set("A", "1")}).result == outcome::noop); }
  SUBCASE("removing an absent key") { CHECK(f.write({edit::remove("B")}).result == outcome::noop); }
  CHECK(f.fake.calls == strings{"GetSecretValue"});
  CHECK(f.fake.current_moves("app") == 0);
}

TEST_CASE("unsupported shapes stop before any mutating call") {
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {R"({"A": {"nested": 1}})", "is an object"},
      {R"({"A": [1, 2]})", "is an array"},
      {R"([1, 2])", "is an array, not a JSON object"},
      {R"("just a string")", "is a string"},
      {R"(42)", "is a number"},
      {R"({"A": 1,})", "not valid JSON"},
      {R"({"A": 1, "A": 2})", "appears more than once"},
      {R"({"A": 1, "\u0041": 2})", "appears more than once"},
      {"", "not valid JSON"},
  };
  for (const auto& [text, why] : shapes) {
    CAPTURE(text);
    fixture f;
    f.fake.create("app", text);
    const auto r = f.write({edit::set("B", "x")});
    CHECK(r.result == outcome::unsupported);
    CHECK_MESSAGE(r.unsupported_reason.find(why) != std::string::npos, r.unsupported_reason);
    CHECK(f.fake.calls == strings{"GetSecretValue"});
  }
  fixture f;
  f.fake.create("bin", "\x01\x02", true);
  const auto r = f.write({edit::set("B", "x")}, "bin");
  CHECK(r.result == outcome::unsupported);
  CHECK(r.unsupported_reason.find("SecretBinary") != std::string::npos);
}

TEST_CASE("invalid edits are refused with no I/O at all") {
  const std::vector<std::vector<edit>> bad = {
      {},
      {edit::set("", "x")},
      {edit::set("A\nB", "x")},
      {edit::set("A\x7f", "x")},
      {edit::set("\xff\xfe", "x")},
      {edit::set("A", "\xc3\x28")},
      {edit::set("A", "1"), edit::remove("A")},
  };
  for (const auto& edits : bad) {
    fixture f;
    f.fake.create("app", "{}");
    const auto r = f.write(edits);
    CHECK(r.result == outcome::error);
    CHECK(r.error.code == engine::errc::invalid_edits);
    CHECK(f.fake.calls.empty());
  }
}

TEST_CASE("a missing secret, and one with no current value, are clear errors") {
  fixture f;
  auto r = f.write({edit::set("A", "1")}, "nope");
  CHECK(r.error.code == sm::errc::resource_not_found);
  CHECK(r.error.message.find("does not exist") != std::string::npos);
}

TEST_CASE("lost race on an edited key: conflict, staged version cleaned up") {
  fixture f;
  f.fake.create("app", R"({"A": "1", "B": "1"})");
  f.fake.before = [&](const std::string& op, int n) {
    if (op == "UpdateSecretVersionStage" && n == 0)
      f.fake.teammate_write("app", R"({"A": "teammate", "B": "1"})");
  };
  const auto r = f.write({edit::set("A", "mine"), edit::set("C", "new")});
  CAPTURE(r);
  CHECK(r.result == outcome::conflict);
  CHECK(r.conflicting_keys == strings{"A"});
  CHECK_FALSE(r.persistent_contention);
  CHECK(f.fake.calls == strings{"GetSecretValue", "PutSecretValue", "Move AWSCURRENT",
                                "Remove janitor-pending-4a4a4a4a-0000-4000-8000-100000000001",
                                "GetSecretValue"});
  CHECK(f.fake.current_value("app") == R"({"A": "teammate", "B": "1"})");
  f.check_invariants(r);
}

TEST_CASE("lost race on other keys: merged onto the new version with a new token, teammate's keys kept") {
  fixture f;
  f.fake.create("app", R"({"A": "1", "B": "1"})");
  std::string teammate;
  f.fake.before = [&](const std::string& op, int n) {
    if (op == "UpdateSecretVersionStage" && n == 0)
      teammate = f.fake.teammate_write("app", R"({"A": "1", "B": "2"})");
  };
  const auto r = f.write({edit::set("A", "mine")});
  CAPTURE(r);
  REQUIRE(r.result == outcome::applied);
  CHECK(r.attempts == 2);
  CHECK(f.tokens_made == 2);  // a different payload gets a fresh token
  CHECK(r.version_id == "4a4a4a4a-0000-4000-8000-100000000002");
  CHECK(r.previous_version_id == teammate);
  CHECK(f.fake.current_value("app") == R"({"A": "mine", "B": "2"})");
  CHECK(f.fake.calls == strings{"GetSecretValue", "PutSecretValue", "Move AWSCURRENT",
                                "Remove janitor-pending-4a4a4a4a-0000-4000-8000-100000000001",
                                "GetSecretValue", "PutSecretValue", "Move AWSCURRENT",
                                "Remove janitor-pending-4a4a4a4a-0000-4000-8000-100000000002"});
  f.check_invariants(r);
}

TEST_CASE("persistent contention: conflict after the attempt limit, every attempt cleaned up") {
  fixture f;
  f.opts.max_attempts = 3;
  f.fake.create("app", R"({"A": "1", "N": 0})");
  int n_writes = 0;
  f.fake.before = [&](const std::string& op, int) {
    if (op == "UpdateSecretVersionStage" && f.fake.calls.back() == "Move AWSCURRENT") {
      f.fake.teammate_write("app", R"({"A": "1", "N": )" + std::to_string(++n_writes) + "}");
    }
  };
  const auto r = f.write({edit::set("A", "mine")});
  CAPTURE(r);
  CHECK(r.result == outcome::conflict);
  CHECK(r.persistent_contention);
  CHECK(r.conflicting_keys.empty());
  CHECK(r.attempts == 3);
  CHECK(f.fake.pending_labels("app").empty());
  CHECK(f.fake.current_value("app") == R"({"A": "1", "N": 3})");
}

TEST_CASE("ambiguous commit that did commit: resolved by reading the stages, applied") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.faults["UpdateSecretVersionStage"].push_back(
      {test::fake_fault::kind::lose_response, sm::errc::timeout});
  const auto r = f.write({edit::set("A", "2")});
  CAPTURE(r);
  REQUIRE(r.result == outcome::applied);
  CHECK(f.fake.calls == strings{"GetSecretValue", "PutSecretValue", "Move AWSCURRENT", "DescribeSecret",
                                "Remove janitor-pending-" + r.version_id});
  CHECK(f.fake.current_value("app") == R"({"A": "2"})");
  f.check_invariants(r);
}

TEST_CASE("ambiguous commit that committed, then a later writer moved on: still applied") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.faults["UpdateSecretVersionStage"].push_back(
      {test::fake_fault::kind::lose_response, sm::errc::network});
  f.fake.before = [&](const std::string& op, int) {
    if (op == "DescribeSecret") f.fake.teammate_write("app", R"({"A": "2", "Z": "later"})");
  };
  const auto r = f.write({edit::set("A", "2")});
  CHECK(r.result == outcome::applied);  // ours holds AWSPREVIOUS
}

TEST_CASE("ambiguous commit that did not commit: handled as a lost race, then applied") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.faults["UpdateSecretVersionStage"].push_back({test::fake_fault::kind::refuse, sm::errc::timeout});
  const auto r = f.write({edit::set("A", "2")});
  CAPTURE(r);
  REQUIRE(r.result == outcome::applied);
  CHECK(f.fake.calls == strings{"GetSecretValue", "PutSecretValue", "Move AWSCURRENT", "DescribeSecret",
                                "Remove janitor-pending-" + r.version_id, "GetSecretValue", "PutSecretValue",
                                "Move AWSCURRENT", "Remove janitor-pending-" + r.version_id});
  CHECK(f.tokens_made == 1);  // the same payload again: the same token
  CHECK(f.fake.current_moves("app") == 1);
  f.check_invariants(r);
}

TEST_CASE("ambiguous commit that cannot be resolved is reported as unknown, never guessed") {
  fixture f;
  f.opts.resolve_timeout = std::chrono::milliseconds(200);
  f.fake.create("app", R"({"A": "1"})");
  f.fake.faults["UpdateSecretVersionStage"].push_back({test::fake_fault::kind::refuse, sm::errc::timeout});
  f.fake.before = [&](const std::string& op, int) {
    if (op == "DescribeSecret")
      f.fake.faults[op].push_back({test::fake_fault::kind::refuse, sm::errc::network});
  };
  const auto r = f.write({edit::set("A", "2")});
  CHECK(r.result == outcome::error);
  CHECK(r.error.code == engine::errc::commit_unknown);
  CHECK(r.error.message.find("janitor-async versions app") != std::string::npos);
  CHECK(r.pending_label_left);
}

TEST_CASE("cleanup failure after a commit: applied, and it says a label was left") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.before = [&](const std::string& op, int n) {
    if (op == "UpdateSecretVersionStage" && n >= 1) {
      f.fake.faults["UpdateSecretVersionStage"].push_back(
          {test::fake_fault::kind::refuse, sm::errc::internal_error});
    }
  };
  const auto r = f.write({edit::set("A", "2")});
  CAPTURE(r);
  CHECK(r.result == outcome::applied);
  CHECK(r.pending_label_left);
  CHECK(r.pending_label == "janitor-pending-" + r.version_id);
  CHECK(f.fake.pending_labels("app") == strings{r.pending_label});
  CHECK(f.fake.current_value("app") == R"({"A": "2"})");
}

TEST_CASE("the label quota is reported as such and points to sweep") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.faults["PutSecretValue"].push_back({test::fake_fault::kind::refuse, sm::errc::limit_exceeded});
  const auto r = f.write({edit::set("A", "2")});
  CHECK(r.result == outcome::error);
  CHECK(r.error.code == engine::errc::label_quota);
  CHECK(r.error.message.find("janitor-async sweep app") != std::string::npos);
  CHECK(f.fake.calls == strings{"GetSecretValue", "PutSecretValue"});
}

TEST_CASE("a lost PutSecretValue response: the staged version is cleaned up, the error reported") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.faults["PutSecretValue"].push_back(
      {test::fake_fault::kind::lose_response, sm::errc::internal_error});
  const auto r = f.write({edit::set("A", "2")});
  CHECK(r.result == outcome::error);
  CHECK(f.fake.pending_labels("app").empty());
  CHECK(f.fake.current_value("app") == R"({"A": "1"})");
}

TEST_CASE("cancellation") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  f.fake.latency = std::chrono::milliseconds(50);
  boost::asio::cancellation_signal signal;
  std::string cancel_during;
  f.fake.before = [&](const std::string& op, int n) {
    if (op == cancel_during && n == 0) {
      boost::asio::post(f.ioc, [&] { signal.emit(boost::asio::cancellation_type::terminal); });
    }
  };
  std::optional<engine::write_result> got;
  auto start = [&] {
    boost::asio::co_spawn(
        f.ioc, engine::write_secret(f.fake, "app", {edit::set("A", "2")}, f.opts),
        boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, auto r) {
          REQUIRE_FALSE(e);
          got = r;
        }));
    f.ioc.run_for(std::chrono::seconds(20));
    REQUIRE(got.has_value());
  };
  SUBCASE("before staging: nothing written") {
    cancel_during = "GetSecretValue";
    start();
    CHECK(got->result == outcome::error);
    CHECK(f.fake.calls == strings{"GetSecretValue"});
  }
  SUBCASE("during the commit: resolved, cleaned up, cancelled") {
    cancel_during = "UpdateSecretVersionStage";
    start();
    CAPTURE(*got);
    CHECK(got->result == outcome::error);
    CHECK(got->error.code == engine::errc::cancelled);
    CHECK(f.fake.pending_labels("app").empty());
    CHECK(f.fake.current_value("app") == R"({"A": "1"})");
    CHECK(f.fake.current_moves("app") == 0);
  }
}

TEST_CASE("the token form works with use_awaitable, deferred, use_future and callbacks, never inline") {
  fixture f;
  f.fake.create("app", R"({"A": "1"})");
  SUBCASE("callback, never invoked inside the initiating call") {
    bool called = false;
    bool initiating = true;
    engine::async_write_secret(f.fake, "app", {edit::set("A", "2")}, f.opts,
                               [&](boost::system::error_code ec, engine::write_result r) {
                                 CHECK_FALSE(initiating);
                                 CHECK_FALSE(ec);
                                 CHECK(r.result == outcome::applied);
                                 called = true;
                               });
    initiating = false;
    f.ioc.run_for(std::chrono::seconds(10));
    CHECK(called);
  }
  SUBCASE("even for a validation error (no I/O at all)") {
    bool called = false;
    bool initiating = true;
    engine::async_write_secret(f.fake, "app", {edit::set("", "2")}, f.opts,
                               [&](boost::system::error_code ec, engine::write_result) {
                                 CHECK_FALSE(initiating);
                                 CHECK(ec == engine::errc::invalid_edits);
                                 called = true;
                               });
    initiating = false;
    f.ioc.run_for(std::chrono::seconds(10));
    CHECK(called);
  }
  SUBCASE("use_future") {
    auto fut =
        engine::async_write_secret(f.fake, "app", {edit::set("A", "2")}, f.opts, boost::asio::use_future);
    f.ioc.run_for(std::chrono::seconds(10));
    CHECK(fut.get().result == outcome::applied);
  }
  SUBCASE("deferred and use_awaitable") {
    auto r = test::run(f.ioc, [&]() -> boost::asio::awaitable<engine::write_result> {
      std::vector<edit> e1{edit::set("A", "2")};
      auto op = engine::async_write_secret(f.fake, "app", e1, f.opts);  // deferred by default
      engine::write_result first = co_await std::move(op)(boost::asio::use_awaitable);
      CHECK(first.result == outcome::applied);
      std::vector<edit> e2{edit::set("A", "3")};
      // use_awaitable throws on an error code; a result with an outcome comes back as a value.
      engine::write_result second =
          co_await engine::async_write_secret(f.fake, "app", e2, f.opts, boost::asio::use_awaitable);
      co_return second;
    }());
    CHECK(r.result == outcome::applied);
    CHECK(f.fake.current_value("app") == R"({"A": "3"})");
  }
}

TEST_CASE("results print masked: keys and ids, no values") {
  fixture f;
  f.fake.create("app", R"({"A": "old-secret-value"})");
  const auto r = f.write({edit::set("A", "new-secret-value")});
  std::ostringstream os;
  os << r;
  CHECK(os.str().find("outcome=applied") != std::string::npos);
  CHECK(os.str().find("\"A\"") != std::string::npos);
  CHECK(os.str().find("secret-value") == std::string::npos);
}

TEST_CASE("many writes at once on one io_context") {
  fixture f;
  f.fake.latency = std::chrono::milliseconds(1);
  for (int i = 0; i < 50; ++i) f.fake.create("s" + std::to_string(i), R"({"A": "1"})");
  int applied = 0;
  for (int i = 0; i < 50; ++i) {
    engine::async_write_secret(
        f.fake, "s" + std::to_string(i), {edit::set("B", std::to_string(i))}, f.opts,
        [&](boost::system::error_code, engine::write_result r) { applied += r.result == outcome::applied; });
  }
  f.ioc.run_for(std::chrono::seconds(20));
  CHECK(applied == 50);
  // One entry gives no separator to copy: the new one follows with a bare comma.
  CHECK(f.fake.current_value("s7") == R"({"A": "1","B": "7"})");
}

TEST_CASE("error codes and outcomes have names and sentences") {
  for (int e = 0; e <= static_cast<int>(engine::errc::internal); ++e) {
    const auto ec = engine::make_error_code(static_cast<engine::errc>(e));
    CHECK(std::string(ec.category().name()) == "janitor.engine");
    CHECK_FALSE(ec.message().empty());
    CHECK(ec.message().find("unknown") == std::string::npos);
  }
  CHECK(engine::make_error_code(static_cast<engine::errc>(999)).message().find("unknown") !=
        std::string::npos);
  for (auto o : {outcome::applied, outcome::noop, outcome::conflict, outcome::unsupported, outcome::error}) {
    CHECK(std::string(engine::to_string(o)).size() > 2);
  }
  engine::write_result r;
  r.result = outcome::unsupported;
  r.unsupported_reason = "the secret is an array";
  std::ostringstream os;
  os << r;
  CHECK(os.str().find("reason=the secret is an array") != std::string::npos);
  r.result = outcome::error;
  r.error.code = engine::errc::label_quota;
  os.str("");
  os << r;
  CHECK(os.str().find("error=") != std::string::npos);
}

TEST_CASE("plan_write: the preview's read and summary, with no write") {
  fixture f;
  f.fake.create("app", R"({"A": "1", "B": {"nested": 1}})");
  f.fake.create("ok", R"({"A": "1"})");
  auto p = test::run(f.ioc, engine::plan_write(f.fake, "app", {edit::set("A", "2")}));
  CHECK(p.predicted == outcome::unsupported);
  p = test::run(f.ioc, engine::plan_write(f.fake, "ok", {edit::set("A", "2"), edit::set("C", "3")}));
  CHECK(p.predicted == outcome::applied);
  CHECK(p.summary.changed == strings{"A"});
  CHECK(p.summary.added == strings{"C"});
  p = test::run(f.ioc, engine::plan_write(f.fake, "ok", {edit::set("A", "1")}));
  CHECK(p.predicted == outcome::noop);
  p = test::run(f.ioc, engine::plan_write(f.fake, "missing", {edit::set("A", "1")}));
  CHECK(p.error.code == sm::errc::resource_not_found);
  p = test::run(f.ioc, engine::plan_write(f.fake, "ok", {edit::set("", "1")}));
  CHECK(p.error.code == engine::errc::invalid_edits);
  p = test::run(f.ioc, engine::plan_write(f.fake, "ok", {edit::set("BIG", std::string(70000, 'x'))}));
  CHECK(p.error.code == engine::errc::secret_too_large);
  CHECK(f.fake.calls == strings{"GetSecretValue", "GetSecretValue", "GetSecretValue", "GetSecretValue",
                                "DescribeSecret", "GetSecretValue"});
}
