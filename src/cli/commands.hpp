#pragma once

#include "edit_sources.hpp"

#include <string>
#include <vector>

namespace janitor::cli {

struct common_flags {
  std::string region, profile, endpoint_url, ca_bundle;
  std::string output = "text";  // text | json
  int verbose = 0;
  std::string record;  // write a cassette of this run
  std::string replay;  // serve this run from a cassette, offline
  bool record_plaintext = false;
};

struct write_flags {
  std::vector<std::string> secret_ids;
  std::string secret_ids_file;
  edit_flags edits;
  bool dry_run = false;
  bool yes = false;
  int max_attempts = 5;
  int concurrency = 8;
  double max_tps = 40.0;  // mutating calls per second, all secrets together
};

struct sweep_flags {
  std::string secret_id;
  bool dry_run = false;
  bool yes = false;
  bool force = false;
  int min_age_minutes = 10;
};

int run_write(const common_flags& c, const write_flags& w);
int run_show(const common_flags& c, const std::string& secret_id);
int run_versions(const common_flags& c, const std::string& secret_id);
int run_sweep(const common_flags& c, const sweep_flags& s);

}  // namespace janitor::cli
