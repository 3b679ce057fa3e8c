#pragma once

// Runs a program with arguments, environment additions and standard input,
// and captures its exit code, stdout and stderr. For end-to-end CLI tests.

#include <map>
#include <string>
#include <vector>

namespace janitor::test {

struct process_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

process_result run_process(const std::string& exe, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {}, const std::string& input = {},
                           int timeout_seconds = 120);

}  // namespace janitor::test
