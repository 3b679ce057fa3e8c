#include <janitor/sm_client/config.hpp>
#include <janitor/sm_client/endpoint.hpp>

#include <boost/algorithm/string.hpp>

#include <openssl/crypto.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;  // NOLINT: POSIX

namespace janitor::sm {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  boost::algorithm::to_lower(out);
  return out;
}

std::filesystem::path home_dir(const environment& env) {
  if (auto h = env.get("HOME")) return *h;
  return {};
}

}  // namespace

environment environment::from_process() {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    vars.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return environment(vars);
}

std::optional<std::string> environment::get(std::string_view name) const {
  const auto it = vars_.find(name);
  if (it == vars_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<profile_file> parse_profile_file(std::string_view text, bool is_config_file,
                                               std::string_view file_label, error_info& err) {
  profile_file out;
  profile_section* current = nullptr;
  bool in_subsection = false;  // indented lines under "key =" (e.g. s3 settings): not ours
  std::size_t line_no = 0;
  auto fail = [&](std::string why) -> std::optional<profile_file> {
    err.code = errc::invalid_credentials_file;
    err.message = std::string(file_label) + " line " + std::to_string(line_no) + ": " + std::move(why);
    return std::nullopt;
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (raw.find('\0') != std::string_view::npos) return fail("contains a NUL byte");
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (line.front() == '[') {
      const auto close = line.find(']');
      if (close == std::string_view::npos) return fail("section header without ']'");
      std::string_view name = trim(line.substr(1, close - 1));
      const std::string_view rest = trim(line.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';')
        return fail("text after a section header");
      if (is_config_file) {
        if (name.starts_with("profile ") || name.starts_with("profile\t")) {
          name = trim(name.substr(8));
        } else if (name != "default") {
          // [sso-session x], [services x] and the like: keep, under their full name.
          out.sections[std::string(name)];
          current = &out.sections[std::string(name)];
          in_subsection = false;
          continue;
        }
      }
      if (name.empty()) return fail("empty section name");
      current = &out.sections[std::string(name)];
      in_subsection = false;
      continue;
    }
    if (indented && in_subsection) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("expected 'key = value'");
    if (current == nullptr) return fail("setting before any [section]");
    const std::string key = lower(trim(line.substr(0, eq)));
    const std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) return fail("empty key");
    in_subsection = value.empty();
    if (!in_subsection) (*current)[key] = std::string(value);
  }
  return out;
}

std::optional<aws_files> load_aws_files(const environment& env, error_info& err) {
  aws_files files;
  const auto home = home_dir(env);
  files.credentials_path =
      env.get("AWS_SHARED_CREDENTIALS_FILE")
          .value_or(home.empty() ? std::string() : (home / ".aws" / "credentials").string());
  files.config_path =
      env.get("AWS_CONFIG_FILE").value_or(home.empty() ? std::string() : (home / ".aws" / "config").string());

  auto load = [&](const std::filesystem::path& p, bool is_config, std::optional<profile_file>& into) -> bool {
    if (p.empty()) return true;
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return true;
    if (std::filesystem::is_directory(p, ec)) {
      err.code = errc::invalid_credentials_file;
      err.message = p.string() + " is a directory, not a file";
      return false;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      err.code = errc::invalid_credentials_file;
      err.message = "cannot read " + p.string();
      return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    into = parse_profile_file(text, is_config, p.string(), err);
    OPENSSL_cleanse(text.data(), text.size());  // it may hold secret keys
    return into.has_value();
  };
  if (!load(files.credentials_path, false, files.credentials)) return std::nullopt;
  if (!load(files.config_path, true, files.config)) return std::nullopt;
  return files;
}

std::string active_profile(const environment& env, std::string_view flag) {
  if (!flag.empty()) return std::string(flag);
  return env.get("AWS_PROFILE").value_or("default");
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host) {
  std::vector<std::string> entries;
  boost::algorithm::split(entries, no_proxy, boost::algorithm::is_any_of(", "),
                          boost::algorithm::token_compress_on);
  const std::string h = lower(host);
  for (auto& e : entries) {
    std::string entry = lower(trim(e));
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (auto colon = entry.rfind(':');
        colon != std::string::npos && entry.find(']') == std::string::npos && entry.find(':') == colon) {
      entry.resize(colon);  // host:port entries: the host decides
    }
    if (entry.front() == '.') entry.erase(0, 1);
    if (h == entry ||
        (h.size() > entry.size() && h.ends_with(entry) && h[h.size() - entry.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

std::optional<client_settings> resolve_settings(const environment& env, const std::optional<aws_files>& files,
                                                const settings_flags& flags, error_info& err) {
  client_settings s;
  s.profile = active_profile(env, flags.profile);
  const profile_section* cfg = nullptr;
  if (files && files->config) {
    if (auto it = files->config->sections.find(s.profile); it != files->config->sections.end())
      cfg = &it->second;
  }
  auto from_profile = [&](std::string_view key) -> std::optional<std::string> {
    if (cfg == nullptr) return std::nullopt;
    if (auto it = cfg->find(key); it != cfg->end() && !it->second.empty()) return it->second;
    return std::nullopt;
  };

  s.region = !flags.region.empty()
                 ? flags.region
                 : env.get("AWS_REGION")
                       .value_or(env.get("AWS_DEFAULT_REGION").value_or(from_profile("region").value_or("")));
  if (s.region.empty()) {
    err.code = errc::invalid_region;
    err.message =
        "no region: pass --region, or set AWS_REGION, or 'region' in the profile '" + s.profile + "'";
    return std::nullopt;
  }
  for (char c : s.region) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) {
      err.code = errc::invalid_region;
      err.message = "region '" + s.region + "' is not a region name";
      return std::nullopt;
    }
  }

  const bool fips = boost::algorithm::iequals(env.get("AWS_USE_FIPS_ENDPOINT").value_or(""), "true") ||
                    boost::algorithm::iequals(from_profile("use_fips_endpoint").value_or(""), "true");
  if (!flags.endpoint_url.empty())
    s.endpoint_url = flags.endpoint_url;
  else if (auto e = env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
    s.endpoint_url = *e;
  else if (auto e2 = env.get("AWS_ENDPOINT_URL"))
    s.endpoint_url = *e2;
  else if (auto p = from_profile("endpoint_url"))
    s.endpoint_url = *p;
  else
    s.endpoint_url = default_endpoint_url(s.region, fips);

  s.ca_bundle = !flags.ca_bundle.empty()
                    ? flags.ca_bundle
                    : env.get("AWS_CA_BUNDLE").value_or(from_profile("ca_bundle").value_or(""));

  error_info perr;
  const auto ep = parse_endpoint(s.endpoint_url, perr);
  if (!ep) {
    err = perr;
    return std::nullopt;
  }
  const auto proxy = env.get("HTTPS_PROXY") ? env.get("HTTPS_PROXY") : env.get("https_proxy");
  const auto no_proxy = env.get("NO_PROXY") ? env.get("NO_PROXY") : env.get("no_proxy");
  if (ep->tls && proxy && !(no_proxy && no_proxy_matches(*no_proxy, ep->host))) s.https_proxy = *proxy;
  return s;
}

}  // namespace janitor::sm
