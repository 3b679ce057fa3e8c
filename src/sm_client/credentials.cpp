#include <janitor/sm_client/credentials.hpp>
#include <janitor/sm_client/endpoint.hpp>
#include <janitor/sm_client/http_transport.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <cstdio>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX

namespace janitor::sm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using std::chrono::system_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

credentials_result fail(errc code, std::string message) {
  credentials_result r;
  r.error.code = code;
  r.error.message = std::move(message);
  return r;
}

class static_provider final : public credentials_provider {
 public:
  explicit static_provider(sigv4::credentials c) : creds_(std::move(c)) {}
  asio::awaitable<credentials_result> resolve() override {
    credentials_result r;
    r.creds = creds_;
    r.source = "static";
    co_return r;
  }

 private:
  sigv4::credentials creds_;
};

// Runs a credential_process command (through /bin/sh, as the AWS tools do),
// reads its standard output to the end, bounded in size and time.
asio::awaitable<credentials_result> run_credential_process(asio::any_io_executor ex,
                                                           const std::string& command,
                                                           std::chrono::milliseconds timeout,
                                                           std::string source) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) co_return fail(errc::no_credentials, source + ": cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  // Its own process group: on a timeout the whole command (a shell and its
  // children) is killed, not just the shell.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int rc =
      ::posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), environ);  // NOLINT
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    co_return fail(errc::no_credentials, source + ": cannot start the credential_process command");
  }

  auto pipe = std::make_shared<asio::posix::stream_descriptor>(ex, fds[0]);
  auto timer = std::make_shared<asio::steady_timer>(ex, timeout);
  auto timed_out = std::make_shared<bool>(false);
  timer->async_wait([pipe, timed_out, pid](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    ::kill(-pid, SIGKILL);
    boost::system::error_code ignored;
    pipe->close(ignored);
  });

  secure_string out;
  char buf[4096];
  bool too_big = false;
  for (;;) {
    auto ec_n_r = co_await pipe->async_read_some(asio::buffer(buf), use_nothrow);
    auto ec = std::move(std::get<0>(ec_n_r));
    auto n = std::move(std::get<1>(ec_n_r));
    out.append({buf, n});
    if (ec) break;
    if (out.size() > 64 * 1024) {
      too_big = true;
      ::kill(-pid, SIGKILL);
      break;
    }
  }
  OPENSSL_cleanse(buf, sizeof buf);
  timer->cancel();
  boost::system::error_code ignored;
  pipe->close(ignored);
  int status = 0;
  // The child has closed its output (or been killed); reap it without blocking the loop for long.
  for (int i = 0; i < 200 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
    asio::steady_timer t(ex, std::chrono::milliseconds(10));
    co_await t.async_wait(use_nothrow);
    if (i == 199) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }
  if (*timed_out)
    co_return fail(errc::no_credentials, source + ": credential_process did not finish in time");
  if (too_big) co_return fail(errc::no_credentials, source + ": credential_process printed more than 64 KiB");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    co_return fail(errc::no_credentials, source + ": credential_process failed (exit status " +
                                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                             ")");
  }
  co_return parse_credentials_json(out.view(), source, true);
}

struct http_get_result {
  error_info error;
  int status = 0;
  secure_string body;
};

// One plain request to a credentials endpoint (container agent or IMDS).
asio::awaitable<http_get_result> credentials_http(asio::any_io_executor ex, const endpoint& ep,
                                                  std::string method, std::string target,
                                                  std::vector<http_field> headers,
                                                  std::chrono::milliseconds timeout) {
  http_get_result out;
  http_options opts;
  opts.connect_timeout = timeout;
  opts.request_timeout = timeout;
  opts.max_response_bytes = 64 * 1024;
  auto made = make_http_transport(ex, ep, opts);
  if (made.error.failed()) {
    out.error = made.error;
    co_return out;
  }
  http_request req;
  req.method = std::move(method);
  req.target = std::move(target);
  headers.push_back({"Host", ep.host_header()});
  req.headers = std::move(headers);
  auto res = co_await made.transport->send(req);
  out.error = std::move(res.error);
  out.status = res.response.status;
  out.body = std::move(res.response.body);
  co_return out;
}

std::optional<endpoint> endpoint_from_url(const std::string& url) {
  error_info ignored;
  // Credential endpoints may be link-local plain http (169.254.x): parse as if https, then fix up.
  if (url.starts_with("http://")) {
    auto ep = parse_endpoint("https://" + url.substr(7), ignored);
    if (!ep) return std::nullopt;
    ep->tls = false;
    if (url.find(":", 7) == std::string::npos || url.find(']') != std::string::npos) {
      // no explicit port (or an IPv6 host without one): the http default
      if (ep->port == 443) ep->port = 80;
    }
    return ep;
  }
  return parse_endpoint(url, ignored);
}

std::pair<std::string, std::string> split_target(const std::string& url) {
  // scheme://authority/path -> (scheme://authority, /path)
  const auto scheme_end = url.find("://");
  const auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

class chain_provider final : public credentials_provider,
                             public std::enable_shared_from_this<chain_provider> {
 public:
  chain_provider(asio::any_io_executor ex, credential_chain_options opts)
      : ex_(std::move(ex)), opts_(std::move(opts)) {
    if (!opts_.now) opts_.now = [] { return system_clock::now(); };
  }

  asio::awaitable<credentials_result> resolve() override {
    auto self = shared_from_this();
    // One resolution at a time; the others wait for its result.
    while (resolving_) {
      auto t = std::make_shared<asio::steady_timer>(ex_, asio::steady_timer::time_point::max());
      waiters_.push_back(t);
      co_await t->async_wait(use_nothrow);
    }
    if (cached_ && fresh(*cached_)) co_return *cached_;
    resolving_ = true;
    credentials_result r = co_await resolve_chain();
    resolving_ = false;
    for (auto& w : waiters_) w->expires_at(asio::steady_timer::time_point::min());
    waiters_.clear();
    if (!r.error.failed()) cached_ = r;
    co_return r;
  }

 private:
  bool fresh(const credentials_result& r) const {
    return !r.expiration || *r.expiration - std::chrono::minutes(5) > opts_.now();
  }

  asio::awaitable<credentials_result> resolve_chain() {
    std::vector<std::string> tried;
    const environment& env = opts_.env;

    // 1. Environment (not when --profile names a profile explicitly).
    if (opts_.profile_flag.empty()) {
      const auto id = env.get("AWS_ACCESS_KEY_ID");
      const auto secret = env.get("AWS_SECRET_ACCESS_KEY");
      if (id && secret) {
        credentials_result r;
        r.creds.access_key_id = *id;
        r.creds.secret_access_key.assign(*secret);
        if (auto token = env.get("AWS_SESSION_TOKEN")) r.creds.session_token.assign(*token);
        r.source = "environment";
        co_return r;
      }
      if (id || secret) {
        co_return fail(errc::no_credentials,
                       std::string("environment: ") +
                           (id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                               : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
      }
      tried.emplace_back("environment variables");
    }

    // 2. Shared files: the profile's static keys, then its credential_process.
    const std::string profile = active_profile(env, opts_.profile_flag);
    const bool explicit_profile = !opts_.profile_flag.empty() || env.get("AWS_PROFILE").has_value();
    const profile_section* cred_sec = nullptr;
    const profile_section* conf_sec = nullptr;
    if (opts_.files && opts_.files->credentials) {
      if (auto it = opts_.files->credentials->sections.find(profile);
          it != opts_.files->credentials->sections.end())
        cred_sec = &it->second;
    }
    if (opts_.files && opts_.files->config) {
      if (auto it = opts_.files->config->sections.find(profile); it != opts_.files->config->sections.end())
        conf_sec = &it->second;
    }
    if (explicit_profile && cred_sec == nullptr && conf_sec == nullptr) {
      co_return fail(errc::no_credentials,
                     "profile '" + profile + "' is in neither the credentials file nor the config file");
    }
    const std::string label = "profile '" + profile + "'";
    for (const profile_section* sec : {cred_sec, conf_sec}) {
      if (sec == nullptr) continue;
      auto get = [&](const char* k) -> std::optional<std::string> {
        auto it = sec->find(k);
        return it == sec->end() || it->second.empty() ? std::nullopt : std::optional(it->second);
      };
      const auto id = get("aws_access_key_id");
      const auto secret = get("aws_secret_access_key");
      if (id && secret) {
        credentials_result r;
        r.creds.access_key_id = *id;
        r.creds.secret_access_key.assign(*secret);
        if (auto token = get("aws_session_token")) r.creds.session_token.assign(*token);
        r.source = label;
        co_return r;
      }
      if (id || secret) {
        co_return fail(errc::invalid_credentials_file,
                       label + ": has only one of aws_access_key_id and aws_secret_access_key");
      }
      if (auto cmd = get("credential_process")) {
        const std::string source = label + " credential_process";
        co_return co_await run_credential_process(ex_, *cmd, opts_.process_timeout, source);
      }
      if (get("role_arn") || get("sso_session") || get("sso_start_url") || get("web_identity_token_file")) {
        co_return fail(errc::no_credentials,
                       label +
                           ": role assumption and SSO profiles are not supported; export "
                           "credentials (e.g. `aws configure export-credentials`) instead");
      }
    }
    tried.emplace_back(label + " (shared credentials and config files)");

    // 3. Container credentials (ECS, EKS Pod Identity).
    const auto rel = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const auto full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (rel || full) {
      const std::string url = rel ? "http://169.254.170.2" + *rel : *full;
      co_return co_await container_credentials(url);
    }
    tried.emplace_back("container credentials (AWS_CONTAINER_CREDENTIALS_*_URI not set)");

    // 4. EC2 instance metadata, IMDSv2.
    if (boost::algorithm::iequals(env.get("AWS_EC2_METADATA_DISABLED").value_or(""), "true")) {
      tried.emplace_back("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
    } else {
      credentials_result r = co_await imds_credentials();
      if (!r.error.failed()) co_return r;
      tried.emplace_back("EC2 instance metadata (" + r.error.message + ")");
    }

    std::string msg = "no AWS credentials found; tried: ";
    for (std::size_t i = 0; i < tried.size(); ++i) msg += (i ? "; " : "") + tried[i];
    co_return fail(errc::no_credentials, msg);
  }

  asio::awaitable<credentials_result> container_credentials(const std::string& url) {
    const std::string source = "container credentials";
    // (no structured binding here: GCC 12 loses them across co_await in coroutines)
    const std::pair<std::string, std::string> parts = split_target(url);
    const std::string& target = parts.second;
    auto ep = endpoint_from_url(parts.first);
    if (!ep) co_return fail(errc::no_credentials, source + ": the endpoint URL is not usable");
    const bool allowed_plain = is_loopback_host(ep->host) || ep->host == "169.254.170.2" ||
                               ep->host == "169.254.170.23" || ep->host == "fd00:ec2::23";
    if (!ep->tls && !allowed_plain) {
      co_return fail(errc::no_credentials,
                     source + ": plain http is only allowed to the container agent or loopback");
    }
    std::vector<http_field> headers;
    if (auto file = opts_.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      std::ifstream in(*file);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in)
        co_return fail(errc::no_credentials, source + ": cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
      std::string token = ss.str();
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
      headers.push_back({"Authorization", token});
    } else if (auto token = opts_.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      headers.push_back({"Authorization", *token});
    }
    auto res = co_await credentials_http(ex_, *ep, "GET", target, headers, opts_.metadata_timeout);
    if (res.error.failed()) co_return fail(errc::no_credentials, source + ": " + res.error.message);
    if (res.status != 200) {
      co_return fail(errc::no_credentials, source + ": endpoint answered HTTP " + std::to_string(res.status));
    }
    co_return parse_credentials_json(res.body.view(), source, false);
  }

  asio::awaitable<credentials_result> imds_credentials() {
    const std::string source = "EC2 instance metadata";
    const auto url = opts_.env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
    auto ep = endpoint_from_url(split_target(url).first);
    if (!ep) co_return fail(errc::no_credentials, "the metadata endpoint URL is not usable");
    const auto t = opts_.metadata_timeout;
    // (named, not braced in the call: GCC 12 miscompiles initializer lists in co_await arguments)
    std::vector<http_field> ttl;
    ttl.push_back({"X-aws-ec2-metadata-token-ttl-seconds", "21600"});
    auto token = co_await credentials_http(ex_, *ep, "PUT", "/latest/api/token", ttl, t);
    if (token.error.failed()) co_return fail(errc::no_credentials, token.error.message);
    if (token.status != 200)
      co_return fail(errc::no_credentials, "token request answered HTTP " + std::to_string(token.status));
    std::vector<http_field> auth;
    auth.push_back({"X-aws-ec2-metadata-token", std::string(token.body.view())});
    auto role =
        co_await credentials_http(ex_, *ep, "GET", "/latest/meta-data/iam/security-credentials/", auth, t);
    if (role.error.failed()) co_return fail(errc::no_credentials, role.error.message);
    if (role.status != 200)
      co_return fail(errc::no_credentials, "no instance role (HTTP " + std::to_string(role.status) + ")");
    std::string role_name(role.body.view());
    if (auto nl = role_name.find('\n'); nl != std::string::npos) role_name.resize(nl);
    if (role_name.empty() || role_name.find('/') != std::string::npos)
      co_return fail(errc::no_credentials, "bad role name");
    auto creds = co_await credentials_http(
        ex_, *ep, "GET", "/latest/meta-data/iam/security-credentials/" + role_name, auth, t);
    if (creds.error.failed()) co_return fail(errc::no_credentials, creds.error.message);
    if (creds.status != 200)
      co_return fail(errc::no_credentials,
                     "credentials request answered HTTP " + std::to_string(creds.status));
    co_return parse_credentials_json(creds.body.view(), source, false);
  }

  asio::any_io_executor ex_;
  credential_chain_options opts_;
  std::optional<credentials_result> cached_;
  bool resolving_ = false;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
};

}  // namespace

std::shared_ptr<credentials_provider> make_static_credentials(sigv4::credentials creds) {
  return std::make_shared<static_provider>(std::move(creds));
}

std::shared_ptr<credentials_provider> make_default_credentials_chain(asio::any_io_executor ex,
                                                                     credential_chain_options opts) {
  return std::make_shared<chain_provider>(std::move(ex), std::move(opts));
}

}  // namespace janitor::sm
