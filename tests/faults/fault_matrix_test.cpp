// The fault matrix: every call of the write protocol against moto, with each
// kind of fault injected into it, and the invariants checked after every run.
// The matrix is written to $JANITOR_FAULT_MATRIX (markdown) for docs/reliability.md.

#include <janitor/engine/write.hpp>
#include <janitor/sm_client/fault_transport.hpp>

#include "moto_server.hpp"
#include "run.hpp"
#include "test_client.hpp"

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>

using namespace janitor;
namespace json = boost::json;

namespace {

struct call_point {
  std::string label;
  std::string operation;
  int nth;
};

const std::vector<call_point> calls = {
    {"read (GetSecretValue)", "GetSecretValue", 1},
    {"stage (PutSecretValue)", "PutSecretValue", 1},
    {"commit (UpdateSecretVersionStage #1)", "UpdateSecretVersionStage", 1},
    {"settle (UpdateSecretVersionStage #2)", "UpdateSecretVersionStage", 2},
};
const std::vector<std::string> kinds = {"refuse",  "reset",    "lose_response", "stall",    "http500",
                                        "http503", "throttle", "garbled",       "truncated"};

std::unique_ptr<sm::secrets_client> faulty_client(boost::asio::io_context& ioc, const std::string& url,
                                                  std::vector<sm::fault_rule> rules) {
  sm::error_info err;
  auto ep = *sm::parse_endpoint(url, err);
  auto live = sm::make_http_transport(ioc.get_executor(), ep, {});
  auto faulty = std::make_shared<sm::fault_transport>(live.transport, std::move(rules));
  sm::client_options o;
  o.region = "us-east-1";
  o.ep = ep;
  o.jitter = [] { return 0.0; };
  return std::make_unique<sm::secrets_client>(ioc.get_executor(), faulty,
                                              sm::make_static_credentials(test::test_credentials()), o);
}

}  // namespace

TEST_CASE("fault matrix: call x fault -> outcome, with the invariants after every run") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto clean = test::make_test_client(ioc, moto.url());
  std::map<std::string, std::map<std::string, std::string>> matrix;

  for (const auto& call : calls) {
    for (const auto& kind : kinds) {
      CAPTURE(call.label);
      CAPTURE(kind);
      const std::string id = test::unique_name("fault");
      const auto created =
          test::run(ioc, clean->create_secret(id, secure_string(R"({"KEEP": "k", "A": "1"})")));
      REQUIRE(created.ok());
      const std::string base = created.value.version_id;

      auto client = faulty_client(ioc, moto.url(), {{call.operation, call.nth, kind}});
      engine::write_options opts;
      opts.backoff_base = std::chrono::milliseconds(1);
      opts.jitter = [] { return 0.0; };
      const auto r = test::run(ioc, engine::write_secret(*client, id, {engine::edit::set("A", "2")}, opts));
      CAPTURE(r);

      // What the service holds now, read by a client without faults.
      const auto now = test::run(ioc, clean->get_secret_value(id));
      REQUIRE(now.ok());
      const auto value = json::parse(now.value.secret_string->view()).as_object();
      const auto desc = test::run(ioc, clean->describe_secret(id));
      int pending = 0;
      for (const auto& [v, stages] : desc.value.version_ids_to_stages) {
        for (const auto& s : stages) pending += s.starts_with("janitor-pending-") ? 1 : 0;
      }

      // No entry is ever lost.
      CHECK(value.at("KEEP") == "k");
      // AWSCURRENT is either untouched or on a version holding exactly our edit on what we read.
      const bool moved = now.value.version_id != base;
      if (moved)
        CHECK(value == json::object{{"KEEP", "k"}, {"A", "2"}});
      else
        CHECK(value == json::object{{"KEEP", "k"}, {"A", "1"}});
      // The outcome tells the truth: applied means applied, and a write that
      // committed is never reported as anything but applied (or honestly unknown).
      if (r.result == engine::outcome::applied) {
        CHECK(moved);
        CHECK(r.version_id == now.value.version_id);
      } else if (!(r.result == engine::outcome::error && r.error.code == engine::errc::commit_unknown)) {
        CHECK_FALSE(moved);
      }
      // No pending label is left, or the outcome says so.
      if (!r.pending_label_left) CHECK(pending == 0);
      CHECK(pending <= 1);

      std::string cell = engine::to_string(r.result);
      if (r.result == engine::outcome::error) cell += " (" + r.error.code.message() + ")";
      if (r.attempts > 1) cell += ", " + std::to_string(r.attempts) + " attempts";
      if (r.pending_label_left) cell += ", label left";
      matrix[call.label][kind] = cell;
    }
  }

  if (const char* out = std::getenv("JANITOR_FAULT_MATRIX"); out != nullptr && *out != '\0') {
    std::ofstream md(out);
    md << "| call \\ fault |";
    for (const auto& k : kinds) md << ' ' << k << " |";
    md << "\n|---|";
    for (std::size_t i = 0; i < kinds.size(); ++i) md << "---|";
    md << "\n";
    for (const auto& call : calls) {
      md << "| " << call.label << " |";
      for (const auto& k : kinds) md << ' ' << matrix[call.label][k] << " |";
      md << "\n";
    }
  }
}
