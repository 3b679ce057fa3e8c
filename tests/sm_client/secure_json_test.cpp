#include <janitor/sm_client/secure_json.hpp>

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

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
  CHECK(janitor::sm::is_wiping_storage(v.storage()));
  CHECK_FALSE(janitor::sm::is_wiping_storage(json::storage_ptr()));
  CHECK(janitor::sm::is_wiping_storage(wiping_storage()));
  const auto& o = v.as_object();
  CHECK(o.storage().get() == v.storage().get());
  CHECK(o.at("SecretString").as_string().storage().get() == v.storage().get());
  CHECK(o.at("n").as_array().storage().get() == v.storage().get());
  CHECK(o.at("SecretString").as_string() == "canary-7f3a");
}

TEST_CASE("parse_secure_json: values outlive the parse and each other, large documents grow the arena") {
  boost::system::error_code ec;
  std::string big = "{";
  for (int i = 0; i < 2000; ++i)
    big += "\"key" + std::to_string(i) + "\": \"" + std::string(100, 'v') + "\",";
  big += "\"last\": [1, 2, 3]}";
  json::value kept;
  {
    json::value v = parse_secure_json(big, ec);
    REQUIRE_FALSE(ec);
    kept = std::move(v.as_object().at("key1999"));  // into default storage: a copy, by Boost.JSON's rules
  }
  CHECK(kept.as_string() == std::string(100, 'v'));
  json::value a = parse_secure_json(big, ec);
  json::value b = parse_secure_json(R"({"x": "y"})", ec);
  json::value moved(std::move(a));  // the arena goes with the value
  CHECK(moved.as_object().size() == 2001);
  CHECK(moved.as_object().at("last").as_array().size() == 3);
  CHECK(b.as_object().at("x").as_string() == "y");
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

TEST_CASE("json_object_writer: the same text Boost.JSON serializes, members in the order given") {
  const std::string tricky = "quote\" backslash\\ newline\n tab\t nul" + std::string(1, '\0') + " \x01 é 😀";
  janitor::sm::json_object_writer w;
  w.string("SecretId", "app/config")
      .string("SecretString", tricky)
      .boolean("IncludeDeprecated", true)
      .boolean("Force", false)
      .integer("MaxResults", 100)
      .integer("Negative", -7)
      .strings("VersionStages", {"AWSCURRENT", "janitor-pending-\"x\""})
      .strings("Empty", {});
  const janitor::secure_string out = std::move(w).finish();

  json::object expected;
  expected["SecretId"] = "app/config";
  expected["SecretString"] = tricky;
  expected["IncludeDeprecated"] = true;
  expected["Force"] = false;
  expected["MaxResults"] = 100;
  expected["Negative"] = -7;
  expected["VersionStages"] = json::array{"AWSCURRENT", "janitor-pending-\"x\""};
  expected["Empty"] = json::array{};
  CHECK(std::string(out.view()) == json::serialize(expected));

  boost::system::error_code ec;
  const json::value back = parse_secure_json(out.view(), ec);
  REQUIRE_FALSE(ec);
  CHECK(back.as_object().at("SecretString").as_string() == tricky);

  janitor::sm::json_object_writer none;
  CHECK(std::move(none).finish().view() == "{}");
}

TEST_CASE("append_json_string: the fast path for strings without escapes writes what the serializer writes") {
  const std::vector<std::string> pieces{"a", "Z", "0",  " ",  "/",  "'",    "\x7f",
                                        "é", "😀", "\"", "\\", "\n", "\x01", "\x1f"};
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int n = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int k = 0; k < n; ++k)
      s += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
    janitor::secure_string out;
    janitor::sm::append_json_string(out, s);
    CHECK(std::string(out.view()) == json::serialize(json::string(s)));
  }
}
