// The client against a real moto server: every operation over HTTP, TLS with a
// certificate the test makes, signatures checked by moto, and concurrency.

#include <janitor/sm_client/client.hpp>

#include "moto_server.hpp"
#include "run.hpp"
#include "test_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <doctest/doctest.h>

#include <filesystem>

using namespace janitor;
namespace fs = std::filesystem;

TEST_CASE("every operation against moto over http://127.0.0.1") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto client = test::make_test_client(ioc, moto.url());
  const std::string name = test::unique_name("ops");

  auto created = test::run(ioc, client->create_secret(name, secure_string(R"({"A":"1","B":2})")));
  REQUIRE_MESSAGE(created.ok(), created.error.describe());
  CHECK(created.value.name == name);
  const std::string base = created.value.version_id;
  CHECK(base.size() >= 32);

  auto got = test::run(ioc, client->get_secret_value(name));
  REQUIRE(got.ok());
  CHECK(got.value.version_id == base);
  REQUIRE(got.value.secret_string);
  CHECK(got.value.secret_string->view() == R"({"A":"1","B":2})");
  CHECK(got.value.version_stages == std::vector<std::string>{"AWSCURRENT"});

  const std::string token = "0b6f0e6e-1c7e-4c4e-9a57-1f1e7c0d0001";
  auto put = test::run(ioc, client->put_secret_value(name, secure_string(R"({"A":"2","B":2})"), token,
                                                     {"janitor-pending-" + token}));
  REQUIRE_MESSAGE(put.ok(), put.error.describe());
  CHECK(put.value.version_id == token);

  // Staged, not current.
  CHECK(test::run(ioc, client->get_secret_value(name)).value.version_id == base);

  // The same payload with the same token is idempotent; another payload is refused.
  CHECK(test::run(ioc, client->put_secret_value(name, secure_string(R"({"A":"2","B":2})"), token,
                                                {"janitor-pending-" + token}))
            .ok());
  auto reuse = test::run(ioc, client->put_secret_value(name, secure_string(R"({"A":"3"})"), token, {"x"}));
  CHECK(reuse.error.code == sm::errc::resource_exists);
  CHECK(reuse.error.service_message.find("A\":\"3") == std::string::npos);

  // The compare-and-swap refuses a stale base...
  auto refused = test::run(ioc, client->update_secret_version_stage(name, "AWSCURRENT", token,
                                                                    "ffffffff-ffff-4fff-bfff-ffffffffffff"));
  CHECK(refused.error.failed());
  // ...and moves AWSCURRENT from the right one.
  auto moved = test::run(ioc, client->update_secret_version_stage(name, "AWSCURRENT", token, base));
  REQUIRE_MESSAGE(moved.ok(), moved.error.describe());
  auto removed =
      test::run(ioc, client->update_secret_version_stage(name, "janitor-pending-" + token, "", token));
  REQUIRE_MESSAGE(removed.ok(), removed.error.describe());

  auto desc = test::run(ioc, client->describe_secret(name));
  REQUIRE(desc.ok());
  CHECK(desc.value.version_ids_to_stages.at(token) == std::vector<std::string>{"AWSCURRENT"});
  CHECK(desc.value.version_ids_to_stages.at(base) == std::vector<std::string>{"AWSPREVIOUS"});

  auto versions = test::run(ioc, client->list_secret_version_ids(name));
  REQUIRE(versions.ok());
  CHECK(versions.value.size() == 2);

  got = test::run(ioc, client->get_secret_value(name));
  CHECK(got.value.version_id == token);
  CHECK(got.value.secret_string->view() == R"({"A":"2","B":2})");

  CHECK(test::run(ioc, client->delete_secret(name, true)).ok());
  CHECK(test::run(ioc, client->get_secret_value(name)).error.code == sm::errc::resource_not_found);
}

TEST_CASE("a secret created without a value, and one that does not exist, are errors") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto client = test::make_test_client(ioc, moto.url());
  const std::string name = test::unique_name("novalue");
  REQUIRE(test::run(ioc, client->create_secret(name, std::nullopt)).ok());
  CHECK(test::run(ioc, client->get_secret_value(name)).error.code == sm::errc::resource_not_found);
  auto missing = test::run(ioc, client->describe_secret(test::unique_name("missing")));
  CHECK(missing.error.code == sm::errc::resource_not_found);
  CHECK(missing.error.http_status == 404);  // moto; AWS says 400
}

TEST_CASE("200 concurrent requests on one io_context through the pool") {
  auto& moto = test::moto_server::shared();
  boost::asio::io_context ioc;
  auto client = test::make_test_client(ioc, moto.url());
  const std::string name = test::unique_name("concurrent");
  REQUIRE(test::run(ioc, client->create_secret(name, secure_string(R"({"K":"v"})"))).ok());
  int ok = 0;
  int failed = 0;
  for (int i = 0; i < 200; ++i) {
    boost::asio::co_spawn(
        ioc, client->get_secret_value(name), [&](std::exception_ptr e, sm::result<sm::secret_value> r) {
          (e || !r.ok() || r.value.secret_string->view() != R"({"K":"v"})") ? ++failed : ++ok;
        });
  }
  ioc.restart();
  ioc.run_for(std::chrono::seconds(120));
  CHECK(ok == 200);
  CHECK(failed == 0);
}

TEST_CASE("TLS: verified against a CA the test makes; refused without it") {
  const fs::path dir = fs::temp_directory_path() / test::unique_name("janitor-tls");
  test::make_test_certificates(dir);
  test::moto_options o;
  o.cert = dir / "server.pem";
  o.key = dir / "server.key";
  test::moto_server moto(o);
  REQUIRE(moto.url().starts_with("https://127.0.0.1:"));
  boost::asio::io_context ioc;

  sm::http_options trusted;
  trusted.ca_bundle = (dir / "ca.pem").string();
  auto client = test::make_test_client(ioc, moto.url(), test::test_credentials(), trusted);
  const std::string name = test::unique_name("tls");
  auto created = test::run(ioc, client->create_secret(name, secure_string(R"({"T":"1"})")));
  REQUIRE_MESSAGE(created.ok(), created.error.describe());
  CHECK(test::run(ioc, client->get_secret_value(name)).value.secret_string->view() == R"({"T":"1"})");

  // With the system store only, the self-made CA is unknown: a verification error, nothing sent.
  auto untrusted = test::make_test_client(ioc, moto.url());
  auto r = test::run(ioc, untrusted->create_secret(test::unique_name("tls-no"), secure_string("{}")));
  CHECK(r.error.code == sm::errc::tls);
  CHECK(r.error.message.find("certificate verify failed") != std::string::npos);

  // The certificate is for 127.0.0.1 and localhost; a CA bundle that does not exist is a set-up error.
  sm::http_options missing;
  missing.ca_bundle = (dir / "nope.pem").string();
  sm::error_info err;
  auto made = sm::make_http_transport(ioc.get_executor(), *sm::parse_endpoint(moto.url(), err), missing);
  CHECK(made.error.code == sm::errc::tls);
  fs::remove_all(dir);
}

namespace {

// One IAM query-API call, signed by our signer for the "iam" service.
std::string iam_call(boost::asio::io_context& ioc, sm::transport& t, const sm::endpoint& ep,
                     const std::string& form) {
  sm::http_request req;
  req.headers = {{"Host", ep.host_header()},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body.assign(form);
  sigv4::http_request s;
  s.method = "POST";
  for (const auto& h : req.headers) s.headers.push_back({h.name, h.value});
  s.body = req.body.view();
  sigv4::signing_config cfg;
  cfg.region = "us-east-1";
  cfg.service = "iam";
  cfg.timestamp = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  for (auto& h : sigv4::sign(s, cfg, test::test_credentials()).headers)
    req.headers.push_back({h.name, h.value});
  auto res = test::run(ioc, t.send(req));
  REQUIRE_MESSAGE(!res.error.failed(), res.error.describe());
  REQUIRE_MESSAGE(res.response.status == 200, std::string(res.response.body.view()));
  return std::string(res.response.body.view());
}

std::string xml_text(const std::string& xml, const std::string& tag) {
  const auto b = xml.find("<" + tag + ">");
  const auto e = xml.find("</" + tag + ">");
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  return xml.substr(b + tag.size() + 2, e - b - tag.size() - 2);
}

}  // namespace

TEST_CASE("signatures checked by moto: an IAM user's key is accepted, a wrong secret is refused") {
  test::moto_options o;
  o.env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3";  // the three IAM calls below; everything after is checked
  test::moto_server moto(o);
  boost::asio::io_context ioc;
  sm::error_info err;
  const auto ep = *sm::parse_endpoint(moto.url(), err);
  auto made = sm::make_http_transport(ioc.get_executor(), ep, {});
  REQUIRE_FALSE(made.error.failed());

  iam_call(ioc, *made.transport, ep, "Action=CreateUser&UserName=janitor&Version=2010-05-08");
  const std::string key =
      iam_call(ioc, *made.transport, ep, "Action=CreateAccessKey&UserName=janitor&Version=2010-05-08");
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]})";
  iam_call(ioc, *made.transport, ep,
           "Action=PutUserPolicy&UserName=janitor&PolicyName=all&Version=2010-05-08&PolicyDocument=" +
               sigv4::uri_encode(policy, false));
  const std::string access_key_id = xml_text(key, "AccessKeyId");
  const std::string secret = xml_text(key, "SecretAccessKey");

  auto good = test::make_test_client(ioc, moto.url(), test::test_credentials(access_key_id, secret));
  const std::string name = test::unique_name("signed");
  auto created = test::run(ioc, good->create_secret(name, secure_string(R"({"S":"1"})")));
  REQUIRE_MESSAGE(created.ok(), created.error.describe());
  CHECK(test::run(ioc, good->get_secret_value(name)).ok());

  auto bad = test::make_test_client(ioc, moto.url(), test::test_credentials(access_key_id, secret + "x"));
  auto refused = test::run(ioc, bad->get_secret_value(name));
  CHECK(refused.error.code == sm::errc::signature_invalid);
  CHECK(refused.error.service_code == "SignatureDoesNotMatch");
  CHECK(refused.error.http_status == 403);

  auto unknown =
      test::make_test_client(ioc, moto.url(), test::test_credentials("AKIAUNKNOWNKEY000000", secret));
  CHECK(test::run(ioc, unknown->get_secret_value(name)).error.code == sm::errc::signature_invalid);
}
