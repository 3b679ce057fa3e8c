#include "suite.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
const fs::path suite_root = fs::path(JANITOR_SOURCE_DIR) / "tests/data/sigv4-suite";
}

TEST_CASE("the AWS SigV4 suite: every case, header and query variants, byte for byte") {
  const auto cases = janitor::sigv4::suite::list_cases(suite_root);
  // A lost fixture must fail loudly, not shrink the suite.
  REQUIRE(cases.size() == 38);
  for (const auto& dir : cases) {
    SUBCASE(dir.filename().string().c_str()) {
      const auto r = janitor::sigv4::suite::run_case(dir);
      INFO(r.name);
      for (const auto& f : r.failures) INFO(f);
      CHECK(r.failures.empty());
      // header-* (4 files) and query-* (4 files) in every case of this suite
      CHECK(r.checks == 8);
    }
  }
}

TEST_CASE("the suite runner reports a tampered expectation") {
  const fs::path tmp = fs::temp_directory_path() / ("janitor-suite-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  fs::copy(suite_root / "get-vanilla", tmp / "get-vanilla");
  for (auto& e : fs::directory_iterator(tmp / "get-vanilla"))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  { std::ofstream(tmp / "get-vanilla/header-signature.txt", std::ios::trunc) << "0000"; }
  const auto r = janitor::sigv4::suite::run_case(tmp / "get-vanilla");
  CHECK_FALSE(r.passed());
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0].find("header-signature.txt") != std::string::npos);
  fs::remove_all(tmp);
}

TEST_CASE("the suite runner rejects a broken context") {
  const fs::path tmp = fs::temp_directory_path() / ("janitor-suite-ctx-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "c");
  std::ofstream(tmp / "c/context.json") << "{\"region\": 3";
  std::ofstream(tmp / "c/request.txt") << "GET / HTTP/1.1\nHost:example.amazonaws.com\n";
  const auto r = janitor::sigv4::suite::run_case(tmp / "c");
  CHECK_FALSE(r.passed());
  REQUIRE_FALSE(r.failures.empty());
  CHECK(r.failures[0].find("context.json") != std::string::npos);
  fs::remove_all(tmp);
}
