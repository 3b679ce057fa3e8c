#include <janitor/sm_client/credentials.hpp>

#include "run.hpp"
#include "scripted_server.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <unistd.h>

using namespace janitor;
using namespace janitor::sm;
namespace fs = std::filesystem;

namespace {

// Never let a test fall through to the real instance metadata address.
environment base_env() {
  environment env;
  env.set("AWS_EC2_METADATA_DISABLED", "true");
  env.set("HOME", "/nonexistent-home-for-tests");
  return env;
}

credentials_result resolve(boost::asio::io_context& ioc, credential_chain_options opts) {
  auto chain = make_default_credentials_chain(ioc.get_executor(), std::move(opts));
  return test::run(ioc, chain->resolve());
}

aws_files files_from(const std::string& creds_text, const std::string& config_text) {
  error_info err;
  aws_files f;
  if (!creds_text.empty()) f.credentials = parse_profile_file(creds_text, false, "credentials", err);
  if (!config_text.empty()) f.config = parse_profile_file(config_text, true, "config", err);
  REQUIRE_FALSE(err.failed());
  return f;
}

}  // namespace

TEST_CASE("credentials from the environment, with a session token") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  o.env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  o.env.set("AWS_SECRET_ACCESS_KEY", "secretenv");
  o.env.set("AWS_SESSION_TOKEN", "tokenenv");
  const auto r = resolve(ioc, o);
  REQUIRE_FALSE(r.error.failed());
  CHECK(r.source == "environment");
  CHECK(r.creds.access_key_id == "AKIDENV");
  CHECK(r.creds.secret_access_key.view() == "secretenv");
  CHECK(r.creds.session_token.view() == "tokenenv");
}

TEST_CASE("half the environment keys is an error, not a silent fallthrough") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  o.env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  const auto r = resolve(ioc, o);
  CHECK(r.error.code == errc::no_credentials);
  CHECK(r.error.message.find("AWS_SECRET_ACCESS_KEY is not") != std::string::npos);
}

TEST_CASE("profiles: credentials file, config file, --profile over the environment") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  o.env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  o.env.set("AWS_SECRET_ACCESS_KEY", "secretenv");
  o.files = files_from("[default]\naws_access_key_id=AKIDDEF\naws_secret_access_key=sdef\n",
                       "[profile dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=sdev\n");
  SUBCASE("environment wins over the default profile") {
    CHECK(resolve(ioc, o).creds.access_key_id == "AKIDENV");
  }
  SUBCASE("--profile wins over the environment") {
    o.profile_flag = "dev";
    const auto r = resolve(ioc, o);
    CHECK(r.creds.access_key_id == "AKIDDEV");
    CHECK(r.source == "profile 'dev'");
  }
  SUBCASE("AWS_PROFILE picks a profile when the environment has no keys") {
    o.env = base_env();
    o.env.set("AWS_PROFILE", "dev");
    CHECK(resolve(ioc, o).creds.access_key_id == "AKIDDEV");
  }
  SUBCASE("a missing named profile is an error naming it") {
    o.profile_flag = "nope";
    const auto r = resolve(ioc, o);
    CHECK(r.error.code == errc::no_credentials);
    CHECK(r.error.message.find("'nope'") != std::string::npos);
  }
}

TEST_CASE("a profile with only one of the two keys is an error") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  o.files = files_from("[default]\naws_access_key_id=AKID\n", "");
  const auto r = resolve(ioc, o);
  CHECK(r.error.code == errc::invalid_credentials_file);
}

TEST_CASE("credential_process: output parsed, failures explained") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  SUBCASE("good output with an expiration") {
    o.files = files_from("", R"([default]
credential_process = printf '{"Version":1,"AccessKeyId":"AKIDPROC","SecretAccessKey":"sproc","SessionToken":"tproc","Expiration":"2999-01-01T00:00:00Z"}'
)");
    const auto r = resolve(ioc, o);
    REQUIRE_FALSE(r.error.failed());
    CHECK(r.creds.access_key_id == "AKIDPROC");
    CHECK(r.creds.session_token.view() == "tproc");
    CHECK(r.expiration.has_value());
  }
  SUBCASE("non-zero exit") {
    o.files = files_from("", "[default]\ncredential_process = sh -c 'exit 3'\n");
    const auto r = resolve(ioc, o);
    CHECK(r.error.code == errc::no_credentials);
    CHECK(r.error.message.find("exit status 3") != std::string::npos);
  }
  SUBCASE("garbage output, which is never echoed") {
    o.files = files_from("", "[default]\ncredential_process = echo SECRET-GARBAGE\n");
    const auto r = resolve(ioc, o);
    CHECK(r.error.code == errc::no_credentials);
    CHECK(r.error.message.find("SECRET-GARBAGE") == std::string::npos);
  }
  SUBCASE("wrong version") {
    o.files = files_from("", R"([default]
credential_process = printf '{"Version":2,"AccessKeyId":"a","SecretAccessKey":"b"}'
)");
    CHECK(resolve(ioc, o).error.message.find("Version") != std::string::npos);
  }
  SUBCASE("a process that hangs is killed at the timeout") {
    o.files = files_from("", "[default]\ncredential_process = sleep 30\n");
    o.process_timeout = std::chrono::milliseconds(300);
    const auto started = std::chrono::steady_clock::now();
    const auto r = resolve(ioc, o);
    CHECK(r.error.message.find("in time") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  }
}

TEST_CASE("container credentials with an authorization token, from a real HTTP endpoint") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  server.push(test::scripted_step::ok(
      R"({"AccessKeyId":"AKIDCONT","SecretAccessKey":"scont","Token":"tcont","Expiration":"2999-01-01T00:00:00Z"})"));
  credential_chain_options o;
  o.env = base_env();
  o.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/v2/credentials/abc");
  o.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer xyz");
  const auto r = resolve(ioc, o);
  REQUIRE_FALSE(r.error.failed());
  CHECK(r.creds.access_key_id == "AKIDCONT");
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].target == "/v2/credentials/abc");
  CHECK(server.requests()[0].header("Authorization") == "Bearer xyz");
}

TEST_CASE("container credentials refuse plain http to a non-loopback host") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  o.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds");
  const auto r = resolve(ioc, o);
  CHECK(r.error.code == errc::no_credentials);
  CHECK(r.error.message.find("plain http") != std::string::npos);
}

TEST_CASE("EC2 instance metadata: the IMDSv2 token flow, and refresh before expiry") {
  boost::asio::io_context ioc;
  test::scripted_server server(ioc);
  auto creds_json = [](const std::string& id, const std::string& exp) {
    return R"({"Code":"Success","AccessKeyId":")" + id +
           R"(","SecretAccessKey":"s","Token":"t","Expiration":")" + exp + "\"}";
  };
  server.push(test::scripted_step::ok("TOKEN-1"));
  server.push(test::scripted_step::ok("my-role\n"));
  server.push(test::scripted_step::ok(creds_json("AKIDIMDS1", "2030-01-01T00:10:00Z")));
  server.push(test::scripted_step::ok("TOKEN-2"));
  server.push(test::scripted_step::ok("my-role"));
  server.push(test::scripted_step::ok(creds_json("AKIDIMDS2", "2030-01-01T06:00:00Z")));

  credential_chain_options o;
  o.env = base_env();
  o.env.set("AWS_EC2_METADATA_DISABLED", "false");
  o.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
  auto now = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::sys_days{std::chrono::year{2030} / 1 / 1});
  o.now = [now] { return *now; };
  auto chain = make_default_credentials_chain(ioc.get_executor(), o);

  auto r = test::run(ioc, chain->resolve());
  REQUIRE_FALSE(r.error.failed());
  CHECK(r.creds.access_key_id == "AKIDIMDS1");
  REQUIRE(server.requests().size() == 3);
  CHECK(server.requests()[0].method == "PUT");
  CHECK(server.requests()[0].target == "/latest/api/token");
  CHECK(server.requests()[0].header("X-aws-ec2-metadata-token-ttl-seconds") == "21600");
  CHECK(server.requests()[1].header("X-aws-ec2-metadata-token") == "TOKEN-1");
  CHECK(server.requests()[2].target == "/latest/meta-data/iam/security-credentials/my-role");

  // Still fresh: answered from the cache.
  r = test::run(ioc, chain->resolve());
  CHECK(r.creds.access_key_id == "AKIDIMDS1");
  CHECK(server.requests().size() == 3);

  // Within five minutes of expiry: resolved again.
  *now += std::chrono::minutes(6);
  r = test::run(ioc, chain->resolve());
  CHECK(r.creds.access_key_id == "AKIDIMDS2");
  CHECK(server.requests().size() == 6);
}

TEST_CASE("no credentials anywhere: the error lists what was tried") {
  boost::asio::io_context ioc;
  credential_chain_options o;
  o.env = base_env();
  const auto r = resolve(ioc, o);
  CHECK(r.error.code == errc::no_credentials);
  CHECK(r.error.message.find("environment variables") != std::string::npos);
  CHECK(r.error.message.find("profile 'default'") != std::string::npos);
  CHECK(r.error.message.find("container") != std::string::npos);
  CHECK(r.error.message.find("AWS_EC2_METADATA_DISABLED") != std::string::npos);
}

TEST_CASE("load_aws_files: absent files are fine, unreadable or broken ones are errors") {
  const fs::path dir = fs::temp_directory_path() / ("janitor-files-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  environment env;
  env.set("AWS_SHARED_CREDENTIALS_FILE", (dir / "nope").string());
  env.set("AWS_CONFIG_FILE", (dir / "nope2").string());
  error_info err;
  auto f = load_aws_files(env, err);
  REQUIRE(f);
  CHECK_FALSE(f->credentials);

  std::ofstream(dir / "broken") << "[default]\naws_secret_access_key SECRETX\n";
  env.set("AWS_SHARED_CREDENTIALS_FILE", (dir / "broken").string());
  CHECK_FALSE(load_aws_files(env, err));
  CHECK(err.code == errc::invalid_credentials_file);
  CHECK(err.message.find("line 2") != std::string::npos);
  CHECK(err.message.find("SECRETX") == std::string::npos);

  env.set("AWS_SHARED_CREDENTIALS_FILE", dir.string());
  error_info e2;
  CHECK_FALSE(load_aws_files(env, e2));
  CHECK(e2.message.find("directory") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("credentials JSON parsing rejects bad input") {
  CHECK(parse_credentials_json("", "x", true).error.failed());
  CHECK(parse_credentials_json("[]", "x", true).error.failed());
  CHECK(parse_credentials_json(R"({"Version":1,"AccessKeyId":"a"})", "x", true).error.failed());
  CHECK(parse_credentials_json(
            R"({"Version":1,"AccessKeyId":"a","SecretAccessKey":"b","Expiration":"tomorrow"})", "x", true)
            .error.failed());
  CHECK(parse_credentials_json(R"({"Code":"Failure","AccessKeyId":"a","SecretAccessKey":"b"})", "x", false)
            .error.failed());
  // Found by the fuzzer: years system_clock cannot hold.
  CHECK(parse_credentials_json(
            R"({"Version":1,"AccessKeyId":"a","SecretAccessKey":"b","Expiration":"-999-01-01T00:00:00Z"})",
            "x", true)
            .error.failed());
  const auto ok = parse_credentials_json(
      R"({"Version":1,"AccessKeyId":"a","SecretAccessKey":"b","Expiration":"2030-01-01T00:00:00.123+00:00"})",
      "x", true);
  CHECK_FALSE(ok.error.failed());
}
