// The flat document: byte-preserving edits, shape rules, escaping, and a
// property test over random documents with awkward spellings.

#include <janitor/engine/document.hpp>

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <map>
#include <random>

using janitor::engine::edit;
using janitor::engine::flat_document;

namespace {

std::string edited(const std::string& text, const std::vector<edit>& edits) {
  std::string why;
  auto doc = flat_document::parse(text, why);
  REQUIRE_MESSAGE(doc, why);
  return std::string(doc->apply(edits).view());
}

}  // namespace

TEST_CASE("untouched entries keep their exact spelling") {
  const std::string text =
      R"({"n": 1.0, "big": 1e400, "huge": 123456789012345678901234567890, "e": "\u00e9", "t" : true,
  "nil":null, "neg": -0.0})";
  const std::string out = edited(text, {edit::set("new", "v")});
  CHECK(out == R"({"n": 1.0, "big": 1e400, "huge": 123456789012345678901234567890, "e": "\u00e9", "t" : true,
  "nil":null, "neg": -0.0, "new": "v"})");
}

TEST_CASE("regression (fuzzer): 0e400, which Boost.JSON 1.81 reads as NaN, is kept as written") {
  CHECK(edited(R"({"n": 0e400, "z": null})", {edit::set("k", "v"), edit::remove("z")}) ==
        R"({"n": 0e400, "k": "v"})");
}

TEST_CASE("set replaces only the value; the layout of the document is followed") {
  CHECK(edited(R"({"a":"1","b":"2"})", {edit::set("a", "x")}) == R"({"a":"x","b":"2"})");
  CHECK(edited("{\n  \"a\": \"1\",\n  \"b\": 2\n}\n", {edit::set("c", "3")}) ==
        "{\n  \"a\": \"1\",\n  \"b\": 2,\n  \"c\": \"3\"\n}\n");
  CHECK(edited("{\n    \"only\": 1\n}", {edit::set("c", "3")}) == "{\n    \"only\": 1,\n    \"c\": \"3\"\n}");
  CHECK(edited("{}", {edit::set("c", "3")}) == R"({"c":"3"})");
  CHECK(edited(" { } ", {edit::set("c", "3"), edit::set("d", "4")}) == R"( {"c":"3","d":"4" } )");
  // A number set as a string becomes a string.
  CHECK(edited(R"({"p": 5432})", {edit::set("p", "5433")}) == R"({"p": "5433"})");
}

TEST_CASE("remove deletes the entry and one separator") {
  CHECK(edited(R"({"a":1,"b":2,"c":3})", {edit::remove("a")}) == R"({"b":2,"c":3})");
  CHECK(edited(R"({"a":1,"b":2,"c":3})", {edit::remove("b")}) == R"({"a":1,"c":3})");
  CHECK(edited(R"({"a":1,"b":2,"c":3})", {edit::remove("c")}) == R"({"a":1,"b":2})");
  CHECK(edited(R"({"a":1,"b":2,"c":3})", {edit::remove("a"), edit::remove("c")}) == R"({"b":2})");
  CHECK(edited(R"({"a":1})", {edit::remove("a")}) == R"({})");
  CHECK(edited("{\n  \"a\": 1,\n  \"b\": 2\n}", {edit::remove("b")}) == "{\n  \"a\": 1\n}");
  CHECK(edited("{\n  \"a\": 1,\n  \"b\": 2\n}", {edit::remove("a"), edit::set("c", "x")}) ==
        "{\n  \"b\": 2,\n  \"c\": \"x\"\n}");
  CHECK(edited(R"({"a":1})", {edit::remove("a"), edit::set("z", "1")}) == R"({"z":"1"})");
}

TEST_CASE("new values and keys are escaped") {
  const std::string out = edited("{}", {edit::set("k\"\\", std::string("q\"b\\n\n\t\x01/\xC3\xA9", 11))});
  const auto v = boost::json::parse(out).as_object();
  CHECK(v.at("k\"\\").as_string() == std::string("q\"b\\n\n\t\x01/\xC3\xA9", 11));
}

TEST_CASE("keys match by meaning: an escaped key is edited in place") {
  CHECK(edited(R"({"\u0041": "1"})", {edit::set("A", "2")}) == R"({"\u0041": "2"})");
}

TEST_CASE("the change summary") {
  std::string why;
  auto doc = flat_document::parse(R"({"a": "1", "b": 2, "c": "3"})", why);
  flat_document::change_summary s;
  (void)doc->apply(
      {edit::set("a", "1"), edit::set("b", "2"), edit::set("d", "x"), edit::remove("c"), edit::remove("z")},
      &s);
  CHECK(s.added == std::vector<std::string>{"d"});
  CHECK(s.changed == std::vector<std::string>{"b"});  // number 2 -> string "2" is a change
  CHECK(s.removed == std::vector<std::string>{"c"});
  CHECK(s.untouched == 1);
}

TEST_CASE("property: random documents and edits parse to the expected map, untouched text unchanged") {
  std::mt19937 rng(20261204);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> number_spellings = {
      "0", "-0", "1.0", "1e400", "-1E-400", "12345678901234567890123", "3.14159", "1e2", "0.000", "-7"};
  const std::vector<std::string> string_spellings = {
      R"("plain")",      R"("\u00e9t\u00e9")", R"("tab\tnew\nline")",
      R"("\"quoted\"")", R"("\/slash")",       "\"caf\xC3\xA9\"",
      R"("")",           R"("\ud83d\ude00")"};
  const std::vector<std::string> ws = {"", " ", "\n  ", "\t", "\r\n"};
  for (int round = 0; round < 400; ++round) {
    // A document with raw spellings we remember.
    const int n = pick(8);
    std::vector<std::pair<std::string, std::string>> members;  // key, raw value
    std::string text = "{" + ws[pick(5)];
    for (int i = 0; i < n; ++i) {
      const std::string key = "k" + std::to_string(i) + (pick(3) == 0 ? "\xC3\xA9" : "");
      std::string raw;
      switch (pick(4)) {
        case 0:
          raw = number_spellings[pick(10)];
          break;
        case 1:
          raw = string_spellings[pick(8)];
          break;
        case 2:
          raw = pick(2) ? "true" : "false";
          break;
        default:
          raw = "null";
          break;
      }
      if (i > 0) text += "," + ws[pick(5)];
      text += "\"" + key + "\"" + ws[pick(5)] + ":" + ws[pick(5)] + raw + ws[pick(5)];
      members.emplace_back(key, raw);
    }
    text += "}" + ws[pick(5)];

    // Random edits on existing and new keys.
    std::vector<edit> edits;
    std::map<std::string, bool> touched;
    const int m = 1 + pick(4);
    for (int j = 0; j < m; ++j) {
      const std::string key = (n > 0 && pick(2)) ? members[pick(n)].first : "new" + std::to_string(pick(5));
      if (touched.count(key)) continue;
      touched[key] = true;
      if (pick(3) == 0) {
        edits.push_back(edit::remove(key));
      } else {
        edits.push_back(edit::set(key, "v" + std::to_string(pick(100)) + (pick(2) ? "\"\\\n\xC3\xA9" : "")));
      }
    }
    CAPTURE(text);
    const std::string out = edited(text, edits);
    CAPTURE(out);

    // Expected map: the original parse with the edits applied.
    boost::json::object expected = boost::json::parse(text).as_object();
    for (const auto& e : edits) {
      if (e.kind == edit::op::remove)
        expected.erase(e.key);
      else
        expected[e.key] = std::string(e.value.view());
    }
    boost::system::error_code ec;
    const auto got = boost::json::parse(out, ec);
    REQUIRE_FALSE(ec);
    CHECK(got.as_object() == expected);

    // Every untouched entry's raw text still appears as written.
    for (const auto& [key, raw] : members) {
      if (touched.count(key)) continue;
      CHECK(out.find("\"" + key + "\"") != std::string::npos);
      CHECK(out.find(raw) != std::string::npos);
    }
    std::string why;
    auto reparsed = flat_document::parse(out, why);
    REQUIRE(reparsed);
    for (const auto& [key, raw] : members) {
      if (touched.count(key)) continue;
      const auto* e = reparsed->find(key);
      REQUIRE(e != nullptr);
      CHECK(reparsed->raw_value(*e) == raw);
    }
  }
}

TEST_CASE("UTF-8 validation") {
  CHECK(janitor::engine::is_valid_utf8("plain"));
  CHECK(janitor::engine::is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(janitor::engine::is_valid_utf8("\xC3"));
  CHECK_FALSE(janitor::engine::is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(janitor::engine::is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(janitor::engine::is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(janitor::engine::is_valid_utf8("\xFF"));
}
