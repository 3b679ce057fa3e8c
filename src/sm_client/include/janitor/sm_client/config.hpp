#pragma once

// Settings the AWS way: flags over environment over files. The environment is
// a value (not read from the process inside), so that tests can give their own.

#include <janitor/sm_client/error.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace janitor::sm {

class environment {
 public:
  environment() = default;
  explicit environment(const std::map<std::string, std::string>& vars) : vars_(vars.begin(), vars.end()) {}
  static environment from_process();

  // Unset and empty are the same, as the AWS tools treat them.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// One section of an INI-style AWS file: key -> value (keys lower-cased).
using profile_section = std::map<std::string, std::string, std::less<>>;

struct profile_file {
  std::map<std::string, profile_section, std::less<>> sections;  // by profile name
};

// Parses the shared credentials file (`[name]`) or the config file
// (`[profile name]`, `[default]`). Errors name the file and line, never its content.
std::optional<profile_file> parse_profile_file(std::string_view text, bool is_config_file,
                                               std::string_view file_label, error_info& err);

struct aws_files {
  std::filesystem::path credentials_path;
  std::filesystem::path config_path;
  std::optional<profile_file> credentials;  // nullopt: file absent
  std::optional<profile_file> config;
};

// Reads both files where they exist (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE,
// else ~/.aws/credentials and ~/.aws/config). A file that exists but cannot be
// read or parsed is an error.
std::optional<aws_files> load_aws_files(const environment& env, error_info& err);

// The profile in force: the flag, else AWS_PROFILE, else "default".
std::string active_profile(const environment& env, std::string_view flag);

// Settings after precedence (flag > environment > profile).
struct client_settings {
  std::string region;
  std::string endpoint_url;
  std::string ca_bundle;
  std::string profile;
  std::string https_proxy;  // from HTTPS_PROXY/https_proxy unless NO_PROXY matches
};

struct settings_flags {
  std::string region, endpoint_url, ca_bundle, profile;
};

std::optional<client_settings> resolve_settings(const environment& env, const std::optional<aws_files>& files,
                                                const settings_flags& flags, error_info& err);

// NO_PROXY matching: "*", exact hosts, and domain suffixes (".example.com" or "example.com").
bool no_proxy_matches(std::string_view no_proxy, std::string_view host);

}  // namespace janitor::sm
