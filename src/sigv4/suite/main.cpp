// sigv4-suite DIR...: checks the signer against every SigV4 test case found in
// the given folders. Prints one line per case; exits 1 on any mismatch.

#include "suite.hpp"

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: sigv4-suite DIR...\n  each DIR holds one folder per case (context.json, request.txt,\n"
        "  expected header-* and optional query-* files)\n");
    return 64;
  }
  int passed = 0;
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path root(argv[i]);
    const auto cases = janitor::sigv4::suite::list_cases(root);
    if (cases.empty()) {
      std::fprintf(stderr, "sigv4-suite: no cases (folders with context.json) in %s\n", argv[i]);
      ++failed;
      continue;
    }
    for (const auto& dir : cases) {
      const auto r = janitor::sigv4::suite::run_case(dir);
      if (r.passed()) {
        ++passed;
        std::printf("PASS %s (%d files)\n", r.name.c_str(), r.checks);
      } else {
        ++failed;
        std::printf("FAIL %s\n", r.name.c_str());
        for (const auto& f : r.failures) std::printf("  %s\n", f.c_str());
      }
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
