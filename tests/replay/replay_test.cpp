// Every recorded scenario in recordings/, replayed offline through the built
// janitor-async: no server, no credentials, no network. CTest also runs this
// binary inside a network namespace whose only interface (loopback) is down.

#include "process.hpp"

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path recordings = fs::path(JANITOR_SOURCE_DIR) / "recordings";

json::value read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// A run with nothing of this machine's AWS set-up: replay must not need it.
janitor::test::process_result replay(const std::vector<std::string>& args, const fs::path& cassette) {
  std::vector<std::string> all{"write"};
  all.insert(all.end(), args.begin(), args.end());
  for (const char* a : {"--yes", "--output", "json", "--replay"}) all.emplace_back(a);
  all.push_back(cassette.string());
  std::map<std::string, std::string> env;
  for (const char* v :
       {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "JANITOR_TEST_FAULTS", "JANITOR_TEST_BEFORE_COMMIT"}) {
    env[v] = "";
  }
  env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent";
  env["AWS_CONFIG_FILE"] = "/nonexistent";
  return janitor::test::run_process(JANITOR_CLI, all, env);
}

std::vector<std::string> strings_of(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) out.emplace_back(e.as_string());
  return out;
}

}  // namespace

TEST_CASE("every recorded scenario replays offline to its expected outcome") {
  const auto manifest = read_json(recordings / "scenarios.json").as_object();
  const auto& scenarios = manifest.at("scenarios").as_array();
  REQUIRE(scenarios.size() == 9);
  for (const auto& sv : scenarios) {
    const auto& s = sv.as_object();
    const std::string name(s.at("name").as_string());
    SUBCASE(name.c_str()) {
      const fs::path cassette = recordings / (name + ".json");
      REQUIRE_MESSAGE(fs::exists(cassette), "missing ", cassette.string(),
                      ": run scripts/record-scenarios.sh");

      // The cassette holds the protocol's exact sequence of operations.
      const auto c = read_json(cassette).as_object();
      std::vector<std::string> ops;
      for (const auto& x : c.at("exchanges").as_array()) {
        ops.emplace_back(x.as_object().at("request").as_object().at("operation").as_string());
      }
      CHECK(ops == strings_of(s.at("operations")));

      const auto r = replay(strings_of(s.at("args")), cassette);
      INFO(r.err);
      CHECK(r.exit_code == s.at("exit").as_int64());
      boost::system::error_code ec;
      const auto out = json::parse(r.out, ec);
      REQUIRE_MESSAGE(!ec, r.out);
      const auto& o = out.as_object();
      CHECK(o.at("outcome").as_string() == s.at("outcome").as_string());
      if (s.contains("attempts")) CHECK(o.at("attempts") == s.at("attempts"));
      if (s.contains("conflicting_keys")) CHECK(o.at("conflicting_keys") == s.at("conflicting_keys"));
      if (s.contains("error_code")) CHECK(o.at("error").as_object().at("code") == s.at("error_code"));
      // The whole cassette was used: a replay that stopped early would say so on stderr.
      CHECK(r.err.find("replay:") == std::string::npos);
    }
  }
}

TEST_CASE("replay is deterministic: the same cassette gives the same output byte for byte") {
  const auto a =
      replay({"scenario/lost-race-other-key", "--set", "A=2"}, recordings / "lost-race-other-key.json");
  const auto b =
      replay({"scenario/lost-race-other-key", "--set", "A=2"}, recordings / "lost-race-other-key.json");
  CHECK(a.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(a.err == b.err);
}

TEST_CASE("tampering with a recorded request makes the replay fail") {
  const fs::path tmp = fs::temp_directory_path() / ("janitor-tamper-" + std::to_string(::getpid()) + ".json");
  auto c = read_json(recordings / "applied.json");
  auto& put = c.as_object()
                  .at("exchanges")
                  .as_array()[1]
                  .as_object()
                  .at("request")
                  .as_object()
                  .at("body")
                  .as_object();
  REQUIRE(put.contains("SecretString"));
  put["VersionStages"] = json::array{"janitor-pending-tampered"};
  std::ofstream(tmp) << json::serialize(c);
  const auto r = replay({"scenario/applied", "--set", "A=2", "--set", "C=new"}, tmp);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("replay_mismatch") != std::string::npos);
  CHECK(r.err.find("exchange #2") != std::string::npos);
  CHECK(r.err.find("VersionStages") != std::string::npos);

  // A different edit than the one recorded is a mismatch too, naming the key, not the value.
  const auto d = replay({"scenario/applied", "--set", "A=3", "--set", "C=new"}, recordings / "applied.json");
  CHECK(d.exit_code == 1);
  CHECK(d.err.find("SecretString differs in keys: \"A\"") != std::string::npos);
  fs::remove(tmp);
}

TEST_CASE("damaged or foreign cassettes are clear errors") {
  const fs::path tmp =
      fs::temp_directory_path() / ("janitor-damaged-" + std::to_string(::getpid()) + ".json");
  std::stringstream full;
  full << std::ifstream(recordings / "applied.json").rdbuf();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {full.str().substr(0, full.str().size() / 2), "damaged or truncated"},
      {R"({"format": "something-else", "version": 1})", "not a janitor-async recording"},
      {R"({"format": "janitor-async-cassette", "version": 99})", "unsupported version"},
      {"[]", "not a JSON object"},
      {"", "damaged or truncated"},
  };
  for (const auto& [text, why] : cases) {
    std::ofstream(tmp, std::ios::trunc) << text;
    const auto r = replay({"scenario/applied", "--set", "A=2"}, tmp);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find(why) != std::string::npos, r.err);
  }
  const auto missing = replay({"scenario/applied", "--set", "A=2"}, tmp.string() + ".absent");
  CHECK(missing.exit_code == 1);
  fs::remove(tmp);
}

TEST_CASE("recordings hold no plaintext values") {
  for (const auto& e : fs::directory_iterator(recordings)) {
    if (e.path().filename() == "scenarios.json" || e.path().extension() != ".json") continue;
    std::stringstream ss;
    ss << std::ifstream(e.path()).rdbuf();
    const std::string text = ss.str();
    CAPTURE(e.path().filename().string());
    for (const char* plain : {R"(\"keep\")", R"(\"teammate\")", R"(\"mine\")", R"(\"new\")", R"(\"1\")"}) {
      CHECK(text.find(plain) == std::string::npos);
    }
    CHECK(text.find("Authorization") == std::string::npos);
    CHECK(text.find("AKID") == std::string::npos);
  }
}
