#pragma once

// What the command line prints: masked text for people, one JSON document for
// scripts. Nothing here ever receives a secret value.

#include <janitor/engine/sweep.hpp>
#include <janitor/engine/write.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace janitor::cli {

enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_conflict = 2,
  exit_unsupported = 3,
  exit_usage = 64
};

int exit_code_for(engine::outcome o);
int worse(int a, int b);  // error > unsupported > conflict > success

std::string error_code_name(const sm::error_info& e);
boost::json::value error_json(const sm::error_info& e);

// The write result object of DESIGN.md section 6.
boost::json::object write_result_json(const engine::write_result& r);
boost::json::object dry_run_json(const std::string& id, const engine::write_plan& p);
std::string write_result_text(const engine::write_result& r);
std::string plan_text(const std::string& id, const engine::write_plan& p,
                      const std::vector<engine::edit>& edits);

// show / versions: masked views.
boost::json::object show_json(const std::string& id, const sm::secret_value& v,
                              const sm::secret_description& d);
std::string show_text(const std::string& id, const sm::secret_value& v, const sm::secret_description& d);
boost::json::object versions_json(const std::string& id, const std::vector<sm::version_entry>& versions);
std::string versions_text(const std::string& id, const std::vector<sm::version_entry>& versions);

std::string format_epoch(double seconds);         // ISO 8601 UTC
std::string pretty(const boost::json::value& v);  // indented JSON, newline-terminated

}  // namespace janitor::cli
