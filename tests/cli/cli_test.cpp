// End-to-end: the built janitor-async binary against a real moto server.

#include <janitor/sm_client/client.hpp>

#include "moto_server.hpp"
#include "process.hpp"
#include "run.hpp"
#include "test_client.hpp"

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace janitor;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string canary = "CANARY-9d1e-s3cr3t";

struct cli_fixture {
  test::moto_server& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  std::unique_ptr<sm::secrets_client> client = test::make_test_client(ioc, moto.url());
  fs::path dir = fs::temp_directory_path() / test::unique_name("janitor-cli");

  cli_fixture() { fs::create_directories(dir); }
  ~cli_fixture() { fs::remove_all(dir); }

  std::map<std::string, std::string> env() const {
    return {{"AWS_ENDPOINT_URL", moto.url()},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", "AKIDCLITEST"},
            {"AWS_SECRET_ACCESS_KEY", "cli-test-secret"},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_SHARED_CREDENTIALS_FILE", (dir / "no-credentials").string()},
            {"AWS_CONFIG_FILE", (dir / "no-config").string()},
            {"AWS_PROFILE", ""},
            {"AWS_ENDPOINT_URL_SECRETS_MANAGER", ""}};
  }
  test::process_result cli(std::vector<std::string> args, const std::string& input = {},
                           std::map<std::string, std::string> extra = {}) {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    auto r = test::run_process(JANITOR_CLI, args, e, input);
    // No run may ever print a value planted as a canary.
    CHECK_MESSAGE(r.out.find("CANARY") == std::string::npos, r.out);
    CHECK_MESSAGE(r.err.find("CANARY") == std::string::npos, r.err);
    return r;
  }
  std::string create(const std::string& prefix, const std::string& value) {
    const std::string id = test::unique_name(prefix);
    auto r = test::run(ioc, client->create_secret(id, secure_string(value)));
    REQUIRE_MESSAGE(r.ok(), r.error.describe());
    return id;
  }
  std::string value(const std::string& id) {
    auto r = test::run(ioc, client->get_secret_value(id));
    REQUIRE(r.ok());
    return std::string(r.value.secret_string->view());
  }
  std::string current_version(const std::string& id) {
    return test::run(ioc, client->get_secret_value(id)).value.version_id;
  }
};

json::object parse_object(const std::string& out) {
  boost::system::error_code ec;
  auto v = json::parse(out, ec);
  REQUIRE_MESSAGE(!ec, out);
  REQUIRE(v.is_object());
  return v.as_object();
}

std::vector<std::string> strings_of(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) out.emplace_back(e.as_string());
  return out;
}
using strings = std::vector<std::string>;

void check_result_fields(const json::object& o) {
  for (const char* f : {"outcome", "secret_id", "version_id", "previous_version_id", "attempts", "added",
                        "changed", "removed", "conflicting_keys", "pending_label_left", "error"}) {
    CHECK_MESSAGE(o.contains(f), f);
  }
}

}  // namespace

TEST_CASE("write with --set: applied, JSON fields, exit 0") {
  cli_fixture f;
  const auto id = f.create("cli-set", R"({"A": "1", "N": 1.0})");
  const auto base = f.current_version(id);
  auto r = f.cli({"write", id, "--set", "B=" + canary, "--set", "A=2", "--yes", "--output", "json", "-vv"});
  CHECK(r.exit_code == 0);
  const auto o = parse_object(r.out);
  check_result_fields(o);
  CHECK(o.at("outcome") == "applied");
  CHECK(o.at("secret_id") == id.c_str());
  CHECK(o.at("previous_version_id") == base.c_str());
  CHECK(o.at("version_id") == f.current_version(id).c_str());
  CHECK(o.at("attempts") == 1);
  CHECK(strings_of(o.at("added")) == strings{"B"});
  CHECK(strings_of(o.at("changed")) == strings{"A"});
  CHECK(o.at("error").is_null());
  CHECK(f.value(id) == R"({"A": "2", "N": 1.0, "B": ")" + canary + R"("})");
  CHECK(r.err.find("PutSecretValue") != std::string::npos);  // -vv logs the calls...
}

TEST_CASE("every edit source") {
  cli_fixture f;
  const auto id = f.create("cli-sources", R"({"OLD": "x", "KEEP": "k"})");
  {
    std::ofstream(f.dir / "value.pem", std::ios::binary) << "-----BEGIN-----\n"
                                                         << canary << "\n-----END-----\n";
    std::ofstream(f.dir / "edits.txt") << "# comment\nFROM_FILE=" << canary << "\n\n-OLD\n";
  }
  auto r = f.cli({"write", id, "--set-file", "PEM=" + (f.dir / "value.pem").string(), "--set-env",
                  "ENVV=MY_VAR", "--edits-file", (f.dir / "edits.txt").string(), "--yes", "--output", "json"},
                 {}, {{"MY_VAR", canary + "-env"}});
  REQUIRE(r.exit_code == 0);
  auto v = json::parse(f.value(id)).as_object();
  CHECK(v.at("PEM").as_string() == "-----BEGIN-----\n" + canary + "\n-----END-----\n");  // exact bytes
  CHECK(v.at("ENVV").as_string() == canary + "-env");
  CHECK(v.at("FROM_FILE").as_string() == canary);
  CHECK_FALSE(v.contains("OLD"));
  CHECK(v.at("KEEP").as_string() == "k");

  // --edits-file - reads stdin; --set-file reads pipes too (here /dev/stdin).
  r = f.cli({"write", id, "--edits-file", "-", "--yes"}, "STDIN_KEY=" + canary + "\n-KEEP\n");
  REQUIRE(r.exit_code == 0);
  r = f.cli({"write", id, "--set-file", "PIPED=/dev/stdin", "--yes"}, canary + "\nline2");
  REQUIRE(r.exit_code == 0);
  v = json::parse(f.value(id)).as_object();
  CHECK(v.at("STDIN_KEY").as_string() == canary);
  CHECK_FALSE(v.contains("KEEP"));
  CHECK(v.at("PIPED").as_string() == canary + "\nline2");
}

TEST_CASE("exit codes and the JSON object on every outcome") {
  cli_fixture f;
  SUBCASE("no-op: 0") {
    const auto id = f.create("cli-noop", R"({"A": "1"})");
    auto r = f.cli({"write", id, "--set", "A=1", "--yes", "--output", "json"});
    CHECK(r.exit_code == 0);
    CHECK(parse_object(r.out).at("outcome") == "noop");
  }
  SUBCASE("unsupported: 3") {
    const auto id = f.create("cli-nested", R"({"A": {"B": 1}})");
    auto r = f.cli({"write", id, "--set", "A=1", "--yes", "--output", "json"});
    CHECK(r.exit_code == 3);
    const auto o = parse_object(r.out);
    check_result_fields(o);
    CHECK(o.at("outcome") == "unsupported");
  }
  SUBCASE("conflict: 2, when a teammate changes the same key before our commit") {
    const auto id = f.create("cli-conflict", R"({"A": "1"})");
    // The hook plays the teammate: a careful stage-then-move write of A by the CLI itself.
    const std::string teammate = "env -u JANITOR_TEST_BEFORE_COMMIT " + std::string(JANITOR_CLI) + " write " +
                                 id + " --set A=teammate --yes >/dev/null 2>&1";
    auto r = f.cli({"write", id, "--set", "A=" + canary, "--yes", "--output", "json"}, {},
                   {{"JANITOR_TEST_BEFORE_COMMIT", teammate}});
    CHECK(r.exit_code == 2);
    const auto o = parse_object(r.out);
    check_result_fields(o);
    CHECK(o.at("outcome") == "conflict");
    CHECK(strings_of(o.at("conflicting_keys")) == strings{"A"});
    CHECK(f.value(id) == R"({"A": "teammate"})");
  }
  SUBCASE("a lost race on another key is retried and applied") {
    const auto id = f.create("cli-retry", R"({"A": "1", "B": "1"})");
    const std::string teammate = "env -u JANITOR_TEST_BEFORE_COMMIT " + std::string(JANITOR_CLI) + " write " +
                                 id + " --set B=2 --yes >/dev/null 2>&1";
    auto r = f.cli({"write", id, "--set", "A=2", "--yes", "--output", "json"}, {},
                   {{"JANITOR_TEST_BEFORE_COMMIT", teammate}});
    CHECK(r.exit_code == 0);
    CHECK(parse_object(r.out).at("attempts") == 2);
    CHECK(f.value(id) == R"({"A": "2", "B": "2"})");
  }
  SUBCASE("error: 1") {
    auto r = f.cli({"write", test::unique_name("missing"), "--set", "A=1", "--yes", "--output", "json"});
    CHECK(r.exit_code == 1);
    const auto o = parse_object(r.out);
    CHECK(o.at("outcome") == "error");
    CHECK(o.at("error").as_object().at("code") == "ResourceNotFoundException");
  }
  SUBCASE("usage: 64, with --output json too") {
    auto r = f.cli({"write", "x", "--set", "novalue", "--output", "json"});
    CHECK(r.exit_code == 64);
    CHECK(parse_object(r.out).at("error").as_object().at("code") == "usage");
    CHECK(f.cli({"write", "x", "--bogus-flag"}).exit_code == 64);
    CHECK(f.cli({"frobnicate"}).exit_code == 64);
    CHECK(f.cli({"write", "x", "--set", "A=1", "--output", "yaml"}).exit_code == 64);
    CHECK(f.cli({"write", "x", "--set", "A=1", "--set", "A=2", "--yes"}).exit_code == 64);
    CHECK(f.cli({"write", "x", "--set", "=1", "--yes"}).exit_code == 64);
  }
}

TEST_CASE("without a terminal and without --yes it refuses and writes nothing") {
  cli_fixture f;
  const auto id = f.create("cli-refuse", R"({"A": "1"})");
  const auto base = f.current_version(id);
  auto r = f.cli({"write", id, "--set", "A=" + canary});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("--yes") != std::string::npos);
  CHECK(r.out.find("~ A  (1 -> ") != std::string::npos);  // the masked preview came first
  CHECK(f.current_version(id) == base);
}

TEST_CASE("a dry run writes nothing and exits 0") {
  cli_fixture f;
  const auto id = f.create("cli-dry", R"({"A": "1"})");
  const auto base = f.current_version(id);
  auto r = f.cli({"write", id, "--set", "A=" + canary, "--dry-run", "--output", "json"});
  CHECK(r.exit_code == 0);
  CHECK(strings_of(parse_object(r.out).at("changed")) == strings{"A"});
  CHECK(f.current_version(id) == base);
  auto versions = test::run(f.ioc, f.client->list_secret_version_ids(id));
  CHECK(versions.value.size() == 1);
}

TEST_CASE("bad files and settings give clear errors") {
  cli_fixture f;
  const auto id = f.create("cli-badfiles", R"({"A": "1"})");
  auto r = f.cli({"write", id, "--set-file", "A=" + (f.dir / "absent").string(), "--yes"});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("cannot open") != std::string::npos);
  std::ofstream(f.dir / "bad-edits") << "JUST_A_KEY\n";
  r = f.cli({"write", id, "--edits-file", (f.dir / "bad-edits").string(), "--yes"});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("line 1") != std::string::npos);
  r = f.cli({"write", id, "--set-env", "A=UNSET_VARIABLE_X", "--yes"});
  CHECK(r.exit_code == 64);

  std::ofstream(f.dir / "broken-credentials") << "[default]\naws_secret_access_key " << canary << "\n";
  r = f.cli({"write", id, "--set", "A=2", "--yes"}, {},
            {{"AWS_SHARED_CREDENTIALS_FILE", (f.dir / "broken-credentials").string()}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("line 2") != std::string::npos);

  r = f.cli({"write", id, "--set", "A=2", "--yes", "--endpoint-url", "http://203.0.113.7:1"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("loopback") != std::string::npos);

  r = f.cli({"write", id, "--set", "A=2", "--yes"}, {},
            {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("no AWS credentials found") != std::string::npos);
}

TEST_CASE("show, versions and sweep") {
  cli_fixture f;
  const auto id = f.create("cli-show", R"({"USER": "app", "PASSWORD": ")" + canary + R"(", "PORT": 5432})");
  auto r = f.cli({"show", id, "--output", "json"});
  REQUIRE(r.exit_code == 0);
  auto o = parse_object(r.out);
  CHECK(o.at("keys").as_array().size() == 3);
  CHECK(o.at("keys").as_array()[1].as_object().at("length") == canary.size());
  CHECK(o.at("keys").as_array()[2].as_object().at("type") == "number");
  r = f.cli({"show", id});
  CHECK(r.out.find("PASSWORD") != std::string::npos);

  // An orphan: a staged version with a pending label, as a crash would leave.
  const std::string token = "0f0f0f0f-1111-4111-8111-000000000001";
  const secure_string orphan_value(R"({"X": "1"})");
  const std::vector<std::string> orphan_stages{"janitor-pending-" + token};
  REQUIRE(test::run(f.ioc, f.client->put_secret_value(id, orphan_value, token, orphan_stages)).ok());
  r = f.cli({"versions", id, "--output", "json"});
  REQUIRE(r.exit_code == 0);
  o = parse_object(r.out);
  bool flagged = false;
  for (const auto& v : o.at("versions").as_array()) {
    if (!v.as_object().at("pending_labels").as_array().empty()) flagged = true;
  }
  CHECK(flagged);
  r = f.cli({"versions", id});
  CHECK(r.out.find("janitor-pending") != std::string::npos);

  // Recent labels are kept without --force; --min-age 0 treats it as old.
  r = f.cli({"sweep", id, "--yes", "--output", "json"});
  CHECK(r.exit_code == 0);
  CHECK(parse_object(r.out).at("skipped").as_array().size() == 1);
  r = f.cli({"sweep", id, "--min-age", "0"});
  CHECK(r.exit_code == 64);  // no terminal, no --yes
  r = f.cli({"sweep", id, "--min-age", "0", "--yes", "--output", "json"});
  CHECK(r.exit_code == 0);
  CHECK(strings_of(parse_object(r.out).at("removed")) == strings{"janitor-pending-" + token});
  r = f.cli({"versions", id, "--output", "json"});
  const auto after = parse_object(r.out);
  for (const auto& v : after.at("versions").as_array()) {
    CHECK(v.as_object().at("pending_labels").as_array().empty());
  }
}

TEST_CASE("bulk: the same edit on 50 secrets, a JSON array, the worst exit code") {
  cli_fixture f;
  std::string ids_file;
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ids.push_back(f.create("cli-bulk", R"({"A": ")" + std::to_string(i) + "\"}"));
    ids_file += ids.back() + "\n";
  }
  std::ofstream(f.dir / "ids.txt") << "# fifty secrets\n" << ids_file;
  auto r = f.cli({"write", "--secret-ids-file", (f.dir / "ids.txt").string(), "--set", "LOG=" + canary,
                  "--yes", "--output", "json", "--concurrency", "10"});
  CHECK(r.exit_code == 0);
  boost::system::error_code ec;
  auto arr = json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(arr.is_array());
  CHECK(arr.as_array().size() == 50);
  for (const auto& o : arr.as_array()) CHECK(o.as_object().at("outcome") == "applied");
  CHECK(f.value(ids[17]) == R"({"A": "17","LOG": ")" + canary + "\"}");

  // One missing secret among good ones: the others are applied, the exit code is the worst.
  const std::string missing = test::unique_name("cli-bulk-missing");
  r = f.cli({"write", ids[0], ids[1], missing, "--set", "LOG=2", "--yes", "--output", "json"});
  CHECK(r.exit_code == 1);
  int applied = 0;
  const json::value results = json::parse(r.out);
  for (const auto& o : results.as_array()) applied += o.as_object().at("outcome") == "applied";
  CHECK(applied == 2);
}

TEST_CASE("--record: an atomic 0600 cassette without values or credentials; --record-plaintext keeps them") {
  cli_fixture f;
  const auto id = f.create("cli-record", R"({"PASSWORD": ")" + canary + R"(-old"})");
  const fs::path cassette = f.dir / "run.json";
  auto r = f.cli({"write", id, "--set", "PASSWORD=" + canary, "--yes", "--record", cassette.string()}, {},
                 {{"AWS_SESSION_TOKEN", "SESSION-TOKEN-XYZ"}});
  REQUIRE(r.exit_code == 0);
  struct stat st {};
  REQUIRE(::stat(cassette.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::stringstream text;
  text << std::ifstream(cassette).rdbuf();
  CHECK(text.str().find("CANARY") == std::string::npos);
  CHECK(text.str().find("SESSION-TOKEN-XYZ") == std::string::npos);
  CHECK(text.str().find("AKIDCLITEST") == std::string::npos);
  CHECK(text.str().find("cli-test-secret") == std::string::npos);
  for (const auto& e : fs::directory_iterator(f.dir))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);

  // Offline, the same run replays to the same outcome.
  r = f.cli({"write", id, "--set", "PASSWORD=" + canary, "--yes", "--replay", cassette.string(), "--output",
             "json"},
            {}, {{"AWS_ENDPOINT_URL", "http://127.0.0.1:9"}});
  CHECK(r.exit_code == 0);
  CHECK(parse_object(r.out).at("outcome") == "applied");

  const fs::path plain = f.dir / "plain.json";
  const auto id2 = f.create("cli-record-plain", R"({"K": "fake-fixture-value"})");
  r = f.cli({"write", id2, "--set", "K=another-fake-value", "--yes", "--record", plain.string(),
             "--record-plaintext"});
  REQUIRE(r.exit_code == 0);
  std::stringstream ptext;
  ptext << std::ifstream(plain).rdbuf();
  CHECK(ptext.str().find("another-fake-value") != std::string::npos);
  CHECK(f.cli({"write", id2, "--set", "K=x", "--record-plaintext"}).exit_code == 64);  // needs --record
}

TEST_CASE("SIGKILL at each step: AWSCURRENT never wrong, at most one orphan, sweep cleans it") {
  for (const std::string step : {"stage", "commit", "settle"}) {
    CAPTURE(step);
    cli_fixture f;
    const auto id = f.create("cli-crash", R"({"KEEP": "k", "A": "1"})");
    const auto base = f.current_version(id);
    auto r = f.cli({"write", id, "--set", "A=2", "--yes"}, {},
                   {{"JANITOR_TEST_BEFORE_COMMIT", "kill -9 $PPID"}, {"JANITOR_TEST_HOOK_STEP", step}});
    CHECK(r.exit_code == 128 + 9);
    const std::string now = f.value(id);
    if (step == "settle") {
      CHECK(now == R"({"KEEP": "k", "A": "2"})");  // committed before the crash
      CHECK(f.current_version(id) != base);
    } else {
      CHECK(now == R"({"KEEP": "k", "A": "1"})");
      CHECK(f.current_version(id) == base);
    }
    auto versions = f.cli({"versions", id, "--output", "json"});
    int pending = 0;
    const auto before = parse_object(versions.out);
    for (const auto& v : before.at("versions").as_array()) {
      pending += static_cast<int>(v.as_object().at("pending_labels").as_array().size());
    }
    CHECK(pending == (step == "stage" ? 0 : 1));
    r = f.cli({"sweep", id, "--min-age", "0", "--yes"});
    CHECK(r.exit_code == 0);
    versions = f.cli({"versions", id, "--output", "json"});
    const auto after = parse_object(versions.out);
    for (const auto& v : after.at("versions").as_array()) {
      CHECK(v.as_object().at("pending_labels").as_array().empty());
    }
    CHECK(f.value(id) == now);  // sweep never changes the value
  }
}

TEST_CASE("SIGTERM during a write: cleanup runs, the outcome tells the truth") {
  cli_fixture f;
  const auto id = f.create("cli-term", R"({"A": "1"})");
  const auto base = f.current_version(id);
  auto r = f.cli({"write", id, "--set", "A=2", "--yes", "--output", "json"}, {},
                 {{"JANITOR_TEST_BEFORE_COMMIT", "kill -TERM $PPID"}, {"JANITOR_TEST_HOOK_STEP", "commit"}});
  const auto o = parse_object(r.out);
  const bool moved = f.current_version(id) != base;
  if (o.at("outcome") == "applied") {
    CHECK(moved);
    CHECK(r.exit_code == 0);
  } else {
    CHECK_FALSE(moved);
    CHECK(r.exit_code == 1);
  }
  auto versions = f.cli({"versions", id, "--output", "json"});
  const auto v = parse_object(versions.out);
  for (const auto& e : v.at("versions").as_array())
    CHECK(e.as_object().at("pending_labels").as_array().empty());
}

TEST_CASE("secret hygiene under faults: -vv, every command, a recording; the canary appears nowhere") {
  cli_fixture f;
  const auto id = f.create("cli-hygiene", R"({"TOKEN": ")" + canary + R"(-current", "N": 1})");
  const fs::path cassette = f.dir / "faults.json";
  const std::vector<std::string> plans = {
      "PutSecretValue:1:lose_response", "UpdateSecretVersionStage:1:http500", "GetSecretValue:1:garbled",
      "PutSecretValue:1:http503,GetSecretValue:2:reset", "UpdateSecretVersionStage:2:truncated"};
  int i = 0;
  for (const auto& plan : plans) {
    CAPTURE(plan);
    std::ofstream(f.dir / "canary.txt") << canary << "-file-" << i;
    auto r = f.cli({"write", id, "--set", "TOKEN=" + canary + "-" + std::to_string(i), "--set-file",
                    "FILE=" + (f.dir / "canary.txt").string(), "--yes", "-vv", "--output", "json", "--record",
                    cassette.string()},
                   {}, {{"JANITOR_TEST_FAULTS", plan}, {"AWS_SESSION_TOKEN", canary + "-session"}});
    CHECK(r.exit_code != 64);
    std::stringstream text;
    text << std::ifstream(cassette).rdbuf();
    CHECK(text.str().find("CANARY") == std::string::npos);
    ++i;
  }
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"show", id, "-vv"},
                                                               {"versions", id, "-vv"},
                                                               {"sweep", id, "--dry-run", "-vv"},
                                                               {"show", id, "--output", "json"}}) {
    f.cli(cmd, {},
          {{"AWS_SESSION_TOKEN", canary + "-session"}});  // cli() checks stdout and stderr for the canary
  }
}
