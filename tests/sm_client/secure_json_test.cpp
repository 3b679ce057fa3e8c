#include <janitor/sm_client/secure_json.hpp>

#include <boost/json.hpp>

#include <doctest/doctest.h>

namespace json = boost::json;
using janitor::sm::parse_secure_json;
using janitor::sm::validate_json;
using janitor::sm::wiping_storage;

TEST_CASE("parse_secure_json: the value and everything in it live in the wiping storage") {
  // Regression: assigning the parser's result into a default-storage value
  // copied the secret text into memory that is never wiped.
  boost::system::error_code ec;
  const json::value v = parse_secure_json(R"({"SecretString": "canary-7f3a", "n": [1, {"k": "v"}]})", ec);
  REQUIRE_FALSE(ec);
  CHECK(*v.storage() == *wiping_storage());
  const auto& o = v.as_object();
  CHECK(*o.storage() == *wiping_storage());
  CHECK(*o.at("SecretString").as_string().storage() == *wiping_storage());
  CHECK(*o.at("n").as_array().storage() == *wiping_storage());
  CHECK(o.at("SecretString").as_string() == "canary-7f3a");
}

TEST_CASE("validate_json: the kind of the top-level value, and the same errors as the parser") {
  boost::system::error_code ec;
  CHECK(validate_json(R"({"a": [1, 2, {"b": null}]})", ec) == json::kind::object);
  CHECK_FALSE(ec);
  CHECK(validate_json(R"([{"a": 1}])", ec) == json::kind::array);
  CHECK(validate_json(R"("x")", ec) == json::kind::string);
  CHECK(validate_json("  -1 ", ec) == json::kind::int64);
  CHECK(validate_json("18446744073709551615", ec) == json::kind::uint64);
  CHECK(validate_json("1.5e3", ec) == json::kind::double_);
  CHECK(validate_json("true", ec) == json::kind::bool_);
  CHECK(validate_json("null", ec) == json::kind::null);
  CHECK_FALSE(ec);

  for (const char* bad : {"", "{", R"({"a": 1,})", R"({"a": 1} x)", "{} {}", "[1, 2", R"({"a": "\x"})",
                          "\"\xff\"", "// c\n{}", "nul"}) {
    ec = {};
    validate_json(bad, ec);
    CHECK_MESSAGE(ec.failed(), bad);
    boost::system::error_code parse_ec;
    parse_secure_json(bad, parse_ec);
    CHECK_MESSAGE(parse_ec.failed(), bad);
  }

  std::string deep(65, '[');
  deep += std::string(65, ']');
  ec = {};
  validate_json(deep, ec);
  CHECK(ec.failed());
  std::string ok(64, '[');
  ok += std::string(64, ']');
  ec = {};
  CHECK(validate_json(ok, ec) == json::kind::array);
  CHECK_FALSE(ec);
}
