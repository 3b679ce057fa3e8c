#pragma once

// Runs AWS SigV4 test-suite cases laid out as in aws-c-auth: one folder per
// case with context.json, request.txt and the expected header-* / query-*
// files. Used by the `sigv4-suite` tool and by the doctest suite.

#include <filesystem>
#include <string>
#include <vector>

namespace janitor::sigv4::suite {

struct case_result {
  std::string name;
  int checks = 0;                     // files compared
  std::vector<std::string> failures;  // one readable message per mismatch or error
  [[nodiscard]] bool passed() const { return failures.empty() && checks > 0; }
};

// The case folders directly below `root` (those holding a context.json), sorted by name.
std::vector<std::filesystem::path> list_cases(const std::filesystem::path& root);

// Never throws: a broken case is a failed case with the reason.
case_result run_case(const std::filesystem::path& case_dir);

}  // namespace janitor::sigv4::suite
