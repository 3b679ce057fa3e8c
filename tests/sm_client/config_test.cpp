#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/config.hpp>
#include <janitor/sm_client/endpoint.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace janitor::sm;

TEST_CASE("endpoint URLs: https anywhere, http on loopback only") {
  error_info err;
  auto ep = parse_endpoint("https://secretsmanager.eu-west-1.amazonaws.com", err);
  REQUIRE(ep);
  CHECK(ep->tls);
  CHECK(ep->port == 443);
  CHECK(ep->host_header() == "secretsmanager.eu-west-1.amazonaws.com");

  ep = parse_endpoint("http://127.0.0.1:5000/", err);
  REQUIRE(ep);
  CHECK_FALSE(ep->tls);
  CHECK(ep->host_header() == "127.0.0.1:5000");

  ep = parse_endpoint("http://[::1]:8080", err);
  REQUIRE(ep);
  CHECK(ep->host == "::1");
  CHECK(ep->host_header() == "[::1]:8080");

  CHECK(parse_endpoint("http://localhost:1", err));

  const char* bad[] = {
      "http://10.0.0.1:5000", "http://example.com", "ftp://127.0.0.1", "127.0.0.1:5000", "https://h:0",
      "https://h:99999",      "https://h/path",     "https://u:p@h",   "https://h/?q=1", ""};
  for (const char* url : bad) {
    CAPTURE(url);
    error_info e;
    CHECK_FALSE(parse_endpoint(url, e));
    CHECK(e.code == errc::invalid_endpoint);
    CHECK_FALSE(e.message.empty());
  }
  error_info e;
  parse_endpoint("http://10.1.2.3", e);
  CHECK(e.message.find("loopback") != std::string::npos);
}

TEST_CASE("default endpoints by partition, with FIPS") {
  CHECK(default_endpoint_url("us-east-1", false) == "https://secretsmanager.us-east-1.amazonaws.com");
  CHECK(default_endpoint_url("us-east-1", true) == "https://secretsmanager-fips.us-east-1.amazonaws.com");
  CHECK(default_endpoint_url("cn-north-1", false) == "https://secretsmanager.cn-north-1.amazonaws.com.cn");
  CHECK(default_endpoint_url("us-gov-west-1", false) == "https://secretsmanager.us-gov-west-1.amazonaws.com");
  CHECK(default_endpoint_url("us-gov-west-1", true) ==
        "https://secretsmanager-fips.us-gov-west-1.amazonaws.com");
}

TEST_CASE("profile files: sections, comments, config prefixes, sub-sections") {
  error_info err;
  const auto creds = parse_profile_file(
      "# comment\n[default]\naws_access_key_id = AKID1\naws_secret_access_key=SECRET1 \n\n; other\n[dev]\n"
      "AWS_ACCESS_KEY_ID=AKID2\r\naws_secret_access_key=SECRET2\r\n",
      false, "credentials", err);
  REQUIRE(creds);
  CHECK(creds->sections.at("default").at("aws_access_key_id") == "AKID1");
  CHECK(creds->sections.at("default").at("aws_secret_access_key") == "SECRET1");
  CHECK(creds->sections.at("dev").at("aws_access_key_id") == "AKID2");

  const auto config = parse_profile_file(
      "[default]\nregion = eu-west-1\n[profile dev]\nregion=us-west-2\ns3 =\n  max_concurrent_requests = 10\n"
      "output = json\n[sso-session corp]\nsso_region = us-east-1\n",
      true, "config", err);
  REQUIRE(config);
  CHECK(config->sections.at("default").at("region") == "eu-west-1");
  CHECK(config->sections.at("dev").at("region") == "us-west-2");
  CHECK(config->sections.at("dev").at("output") == "json");
  CHECK(config->sections.at("dev").count("max_concurrent_requests") == 0);
  CHECK(config->sections.count("sso-session corp") == 1);
}

TEST_CASE("broken profile files name the file and line, never the content") {
  const std::vector<std::string> broken = {"[default\naws_access_key_id=x\n",
                                           "aws_access_key_id=x\n",
                                           "[default]\nthis line has no equals SECRETVALUE\n",
                                           "[default]\n=value\n",
                                           "[]\n",
                                           std::string("[default]\nk=v\0x\n", 17)};
  for (const auto& text : broken) {
    CAPTURE(text);
    error_info err;
    CHECK_FALSE(parse_profile_file(text, false, "/tmp/creds", err));
    CHECK(err.code == errc::invalid_credentials_file);
    CHECK(err.message.find("/tmp/creds line ") == 0);
    CHECK(err.message.find("SECRETVALUE") == std::string::npos);
  }
}

TEST_CASE("settings precedence: flag over environment over profile") {
  error_info err;
  aws_files files;
  files.config =
      parse_profile_file("[default]\nregion=eu-west-1\n[profile p]\nregion=ap-south-1\n", true, "c", err);
  environment env;
  settings_flags flags;

  auto s = resolve_settings(env, files, flags, err);
  REQUIRE(s);
  CHECK(s->region == "eu-west-1");
  CHECK(s->endpoint_url == "https://secretsmanager.eu-west-1.amazonaws.com");

  env.set("AWS_PROFILE", "p");
  s = resolve_settings(env, files, flags, err);
  CHECK(s->region == "ap-south-1");

  env.set("AWS_DEFAULT_REGION", "us-west-1");
  CHECK(resolve_settings(env, files, flags, err)->region == "us-west-1");
  env.set("AWS_REGION", "us-west-2");
  CHECK(resolve_settings(env, files, flags, err)->region == "us-west-2");
  flags.region = "ca-central-1";
  CHECK(resolve_settings(env, files, flags, err)->region == "ca-central-1");

  env.set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
  CHECK(resolve_settings(env, files, flags, err)->endpoint_url == "http://127.0.0.1:1");
  env.set("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:2");
  CHECK(resolve_settings(env, files, flags, err)->endpoint_url == "http://127.0.0.1:2");
  flags.endpoint_url = "http://127.0.0.1:3";
  CHECK(resolve_settings(env, files, flags, err)->endpoint_url == "http://127.0.0.1:3");

  flags.endpoint_url = "http://192.168.1.1:3";
  error_info e2;
  CHECK_FALSE(resolve_settings(env, files, flags, e2));
  CHECK(e2.code == errc::invalid_endpoint);
}

TEST_CASE("no region at all is a clear error; a malformed region too") {
  error_info err;
  CHECK_FALSE(resolve_settings(environment{}, std::nullopt, settings_flags{}, err));
  CHECK(err.code == errc::invalid_region);
  CHECK(err.message.find("--region") != std::string::npos);
  settings_flags f;
  f.region = "us-east-1/../x";
  error_info e2;
  CHECK_FALSE(resolve_settings(environment{}, std::nullopt, f, e2));
  CHECK(e2.code == errc::invalid_region);
}

TEST_CASE("HTTPS_PROXY applies unless NO_PROXY matches") {
  CHECK(no_proxy_matches("*", "anything"));
  CHECK(no_proxy_matches("example.com", "secretsmanager.example.com"));
  CHECK(no_proxy_matches(".example.com", "a.example.com"));
  CHECK(no_proxy_matches("a.com, b.com", "b.com"));
  CHECK(no_proxy_matches("host:443", "host"));
  CHECK_FALSE(no_proxy_matches("example.com", "badexample.com"));
  CHECK_FALSE(no_proxy_matches("", "h"));

  environment env;
  env.set("AWS_REGION", "us-east-1");
  env.set("HTTPS_PROXY", "http://127.0.0.1:3128");
  error_info err;
  CHECK(resolve_settings(env, std::nullopt, {}, err)->https_proxy == "http://127.0.0.1:3128");
  env.set("NO_PROXY", "amazonaws.com");
  CHECK(resolve_settings(env, std::nullopt, {}, err)->https_proxy.empty());
}

TEST_CASE("service errors: JSON with namespace, XML, header only, unknown") {
  http_response res;
  res.status = 400;
  res.body.assign(R"({"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"gone"})");
  auto e = parse_service_error(res);
  CHECK(e.code == errc::resource_not_found);
  CHECK(e.service_code == "ResourceNotFoundException");
  CHECK(e.service_message == "gone");

  res.status = 403;
  res.body.assign(
      "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>bad "
      "sig</Message></Error></ErrorResponse>");
  e = parse_service_error(res);
  CHECK(e.code == errc::signature_invalid);
  CHECK(e.service_message == "bad sig");

  res.status = 400;
  res.body.assign("");
  res.headers = {{"X-Amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/"}};
  CHECK(parse_service_error(res).code == errc::throttling);

  res.headers.clear();
  res.status = 503;
  CHECK(parse_service_error(res).code == errc::internal_error);
  res.status = 400;
  res.body.assign("not json at all");
  CHECK(parse_service_error(res).code == errc::malformed_response);

  CHECK(error_code_for_service_type("LimitExceededException", 400, "") == errc::limit_exceeded);
  CHECK(error_code_for_service_type("InvalidSignatureException", 400,
                                    "Signature expired: 2015 is now earlier") == errc::signature_expired);
  CHECK(error_code_for_service_type("DecryptionFailure", 400, "") == errc::decryption_failure);
  CHECK(error_code_for_service_type("SomethingNew", 400, "") == errc::service_error);
  CHECK_FALSE(is_transient(errc::limit_exceeded));
  CHECK(is_transient(errc::throttling));
}
