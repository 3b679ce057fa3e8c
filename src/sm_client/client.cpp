#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>

namespace janitor::sm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using std::chrono::system_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_secret_bytes = 65536;

std::optional<system_clock::time_point> parse_http_date(std::string_view s) {
  // RFC 7231 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  std::tm tm{};
  const std::string str(s);
  char* end = ::strptime(str.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  return system_clock::from_time_t(::timegm(&tm));
}

std::vector<std::string> string_array(const json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* p = o.if_contains(key);
  return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string();
}

// A 2xx answer that cannot be read: the service did act, we cannot tell how.
template <class T>
result<T> malformed(std::string_view op, std::string what) {
  result<T> r;
  r.error.code = errc::malformed_response;
  r.error.message = std::string(op) + ": " + std::move(what);
  r.error.maybe_applied = true;
  return r;
}

// The body of a successful call as a JSON object; otherwise the call's error
// (or malformed_response) goes into `r`. The value keeps the wiping storage
// parse_secure_json gave it: it is only ever move-constructed.
template <class T>
std::optional<json::value> response_object(std::string_view op, error_info& call_error,
                                           const secure_string& body, result<T>& r) {
  if (call_error.failed()) {
    r.error = std::move(call_error);
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = parse_secure_json(body.view(), ec);
  if (ec || !v.is_object()) {
    r = malformed<T>(op, "the response is not a JSON object");
    return std::nullopt;
  }
  return std::optional<json::value>(std::move(v));
}

}  // namespace

secrets_client::secrets_client(asio::any_io_executor ex, std::shared_ptr<transport> t,
                               std::shared_ptr<credentials_provider> creds, client_options opts)
    : ex_(std::move(ex)), transport_(std::move(t)), creds_(std::move(creds)), opts_(std::move(opts)) {
  if (!opts_.now) opts_.now = [] { return system_clock::now(); };
  if (!opts_.jitter) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    opts_.jitter = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
  if (!opts_.logger)
    opts_.logger =
        std::make_shared<spdlog::logger>("janitor", std::make_shared<spdlog::sinks::null_sink_mt>());
  if (opts_.retry.max_attempts < 1) opts_.retry.max_attempts = 1;
  retry_tokens_ = opts_.retry.budget_tokens;
}

asio::awaitable<secrets_client::call_outcome> secrets_client::call(std::string_view operation,
                                                                   const secure_string& payload,
                                                                   bool idempotent,
                                                                   bool payload_has_secrets) {
  call_outcome out;
  // Cancellation comes back as errc::cancelled, not as an exception.
  co_await asio::this_coro::throw_if_cancelled(false);
  bool skew_corrected = false;
  for (int attempt = 1;; ++attempt) {
    credentials_result creds = co_await creds_->resolve();
    if (creds.error.failed()) {
      out.error = std::move(creds.error);
      co_return out;
    }

    http_request req;
    req.headers.reserve(8);  // these four and the signature's (at most four)
    req.headers = {{"Host", opts_.ep.host_header()},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "secretsmanager." + std::string(operation)},
                   {"User-Agent", opts_.user_agent}};
    req.body = payload;
    sigv4::http_request to_sign;
    to_sign.method = req.method;
    to_sign.path = req.target;
    to_sign.headers.reserve(req.headers.size());
    for (const auto& h : req.headers) to_sign.headers.push_back({h.name, h.value});
    to_sign.body = req.body.view();
    sigv4::signing_config cfg;
    cfg.region = opts_.region;
    cfg.service = "secretsmanager";
    cfg.timestamp = std::chrono::floor<std::chrono::seconds>(opts_.now() + clock_skew_);
    for (auto& h : sigv4::sign(to_sign, cfg, creds.creds, &key_cache_).headers) {
      req.headers.push_back({std::move(h.name), std::move(h.value)});
    }

    const auto started = std::chrono::steady_clock::now();
    ++requests_sent_;
    transport_result res = co_await transport_->send(req);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    for (auto& h : req.headers) {
      if (h.name == "X-Amz-Security-Token") OPENSSL_cleanse(h.value.data(), h.value.size());
    }

    error_info err;
    if (res.error.failed()) {
      err = std::move(res.error);
      opts_.logger->debug("{} attempt {}: {} ({} ms)", operation, attempt, err.message, ms);
    } else if (res.response.status >= 200 && res.response.status < 300) {
      opts_.logger->debug("{} attempt {}: HTTP {} ({} ms)", operation, attempt, res.response.status, ms);
      retry_tokens_ = std::min(retry_tokens_ + 1, opts_.retry.budget_tokens);
      out.body = std::move(res.response.body);
      co_return out;
    } else {
      err = parse_service_error(res.response);
      // A 5xx may come after the service acted.
      if (res.response.status >= 500) err.maybe_applied = true;
      if (payload_has_secrets && !err.service_message.empty()) {
        // Validation messages can quote the input, which here holds secret values.
        err.service_message = "(withheld: the request carried secret values)";
      }
      if (err.message.empty()) err.message = std::string(operation) + ": " + err.code.message();
      opts_.logger->debug("{} attempt {}: HTTP {} {} ({} ms)", operation, attempt, res.response.status,
                          err.service_code, ms);
      if (err.code == errc::signature_expired && !skew_corrected) {
        if (auto server = parse_http_date(res.response.header("Date"))) {
          // The service's clock is the one that counts: sign with its time from now on.
          clock_skew_ = std::chrono::duration_cast<std::chrono::seconds>(*server - opts_.now());
          skew_corrected = true;
          opts_.logger->info("clock skew of {} s corrected from the service's Date header",
                             clock_skew_.count());
          --attempt;
          continue;
        }
      }
    }
    if (err.message.empty()) err.message = std::string(operation) + ": " + err.code.message();

    const bool retryable =
        is_transient(err.code) && (idempotent || !err.maybe_applied) && attempt < opts_.retry.max_attempts;
    const int cost = err.code == errc::timeout ? 10 : 5;
    if (!retryable || retry_tokens_ < cost) {
      out.error = std::move(err);
      co_return out;
    }
    retry_tokens_ -= cost;
    // Exponential backoff with full jitter, capped.
    const double ceiling =
        std::min<double>(static_cast<double>(opts_.retry.max_delay.count()),
                         static_cast<double>(opts_.retry.base_delay.count()) * std::pow(2.0, attempt - 1));
    const auto delay = std::chrono::milliseconds(static_cast<long long>(opts_.jitter() * ceiling));
    opts_.logger->debug("{}: retrying in {} ms ({})", operation, delay.count(), err.code.message());
    asio::steady_timer timer(ex_, delay);
    co_await timer.async_wait(use_nothrow);
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
      out.error.code = errc::cancelled;
      out.error.message = std::string(operation) + ": cancelled during retry backoff";
      co_return out;
    }
  }
}

asio::awaitable<result<secret_value>> secrets_client::get_secret_value(std::string secret_id,
                                                                       std::string version_stage,
                                                                       std::string version_id) {
  json_object_writer req;
  req.string("SecretId", secret_id);
  if (!version_id.empty()) req.string("VersionId", version_id);
  if (!version_stage.empty()) req.string("VersionStage", version_stage);
  const secure_string payload = std::move(req).finish();
  auto out = co_await call("GetSecretValue", payload, true, false);
  result<secret_value> r;
  const auto v = response_object("GetSecretValue", out.error, out.body, r);
  if (!v) co_return r;
  const auto& o = v->as_object();
  r.value.arn = string_field(o, "ARN");
  r.value.name = string_field(o, "Name");
  r.value.version_id = string_field(o, "VersionId");
  r.value.version_stages = string_array(o.if_contains("VersionStages"));
  if (const auto* s = o.if_contains("SecretString"); s != nullptr && s->is_string()) {
    r.value.secret_string.emplace(std::string_view(s->as_string()));
  }
  r.value.has_binary = o.if_contains("SecretBinary") != nullptr;
  if (r.value.version_id.empty() || (!r.value.secret_string && !r.value.has_binary)) {
    co_return malformed<secret_value>("GetSecretValue", "the response lacks VersionId or a secret value");
  }
  co_return r;
}

asio::awaitable<result<put_secret_value_result>> secrets_client::put_secret_value(
    std::string secret_id, secure_string secret_string, std::string client_request_token,
    std::vector<std::string> version_stages) {
  result<put_secret_value_result> r;
  if (secret_string.size() > max_secret_bytes) {
    r.error.code = errc::request_too_large;
    r.error.message = "PutSecretValue: the secret string is " + std::to_string(secret_string.size()) +
                      " bytes; Secrets Manager accepts at most 65536";
    co_return r;
  }
  json_object_writer req;
  req.string("SecretId", secret_id)
      .string("SecretString", secret_string.view())
      .string("ClientRequestToken", client_request_token)
      .strings("VersionStages", version_stages);
  const secure_string payload = std::move(req).finish();
  auto out = co_await call("PutSecretValue", payload, true, true);
  const auto v = response_object("PutSecretValue", out.error, out.body, r);
  if (!v) co_return r;
  const auto& o = v->as_object();
  r.value.arn = string_field(o, "ARN");
  r.value.name = string_field(o, "Name");
  r.value.version_id = string_field(o, "VersionId");
  r.value.version_stages = string_array(o.if_contains("VersionStages"));
  if (r.value.version_id.empty())
    co_return malformed<put_secret_value_result>("PutSecretValue", "no VersionId");
  co_return r;
}

asio::awaitable<result<empty_value>> secrets_client::update_secret_version_stage(
    std::string secret_id, std::string version_stage, std::string move_to_version_id,
    std::string remove_from_version_id) {
  json_object_writer req;
  req.string("SecretId", secret_id).string("VersionStage", version_stage);
  if (!move_to_version_id.empty()) req.string("MoveToVersionId", move_to_version_id);
  if (!remove_from_version_id.empty()) req.string("RemoveFromVersionId", remove_from_version_id);
  const secure_string payload = std::move(req).finish();
  auto out = co_await call("UpdateSecretVersionStage", payload, false, false);
  result<empty_value> r;
  r.error = std::move(out.error);
  co_return r;
}

asio::awaitable<result<secret_description>> secrets_client::describe_secret(std::string secret_id) {
  json_object_writer req;
  req.string("SecretId", secret_id);
  const secure_string payload = std::move(req).finish();
  auto out = co_await call("DescribeSecret", payload, true, false);
  result<secret_description> r;
  const auto v = response_object("DescribeSecret", out.error, out.body, r);
  if (!v) co_return r;
  const auto& o = v->as_object();
  r.value.arn = string_field(o, "ARN");
  r.value.name = string_field(o, "Name");
  if (const auto* re = o.if_contains("RotationEnabled"); re != nullptr && re->is_bool()) {
    r.value.rotation_enabled = re->as_bool();
  }
  if (const auto* m = o.if_contains("VersionIdsToStages"); m != nullptr) {
    if (!m->is_object())
      co_return malformed<secret_description>("DescribeSecret", "VersionIdsToStages is not an object");
    for (const auto& [id, stages] : m->as_object()) {
      r.value.version_ids_to_stages[std::string(id)] = string_array(&stages);
    }
  }
  co_return r;
}

asio::awaitable<result<std::vector<version_entry>>> secrets_client::list_secret_version_ids(
    std::string secret_id) {
  result<std::vector<version_entry>> r;
  std::string next_token;
  for (int page = 0; page < 1000; ++page) {
    json_object_writer req;
    req.string("SecretId", secret_id).boolean("IncludeDeprecated", true).integer("MaxResults", 100);
    if (!next_token.empty()) req.string("NextToken", next_token);
    const secure_string payload = std::move(req).finish();
    auto out = co_await call("ListSecretVersionIds", payload, true, false);
    if (out.error.failed()) {
      r.error = std::move(out.error);
      co_return r;
    }
    boost::system::error_code ec;
    const json::value v = parse_secure_json(out.body.view(), ec);
    if (ec || !v.is_object())
      co_return malformed<std::vector<version_entry>>("ListSecretVersionIds", "not a JSON object");
    const auto& o = v.as_object();
    if (const auto* versions = o.if_contains("Versions"); versions != nullptr && versions->is_array()) {
      for (const auto& e : versions->as_array()) {
        if (!e.is_object()) continue;
        version_entry ve;
        ve.version_id = string_field(e.as_object(), "VersionId");
        ve.version_stages = string_array(e.as_object().if_contains("VersionStages"));
        if (const auto* d = e.as_object().if_contains("CreatedDate"); d != nullptr && d->is_number()) {
          ve.created_date = d->to_number<double>();
        }
        if (!ve.version_id.empty()) r.value.push_back(std::move(ve));
      }
    }
    const std::string token = string_field(o, "NextToken");
    if (token.empty() || token == next_token) co_return r;
    next_token = token;
  }
  co_return malformed<std::vector<version_entry>>("ListSecretVersionIds", "more than 1000 pages");
}

asio::awaitable<result<create_secret_result>> secrets_client::create_secret(
    std::string name, std::optional<secure_string> secret_string, std::string client_request_token) {
  json_object_writer req;
  req.string("Name", name);
  if (secret_string) req.string("SecretString", secret_string->view());
  if (!client_request_token.empty()) req.string("ClientRequestToken", client_request_token);
  const secure_string payload = std::move(req).finish();
  auto out = co_await call("CreateSecret", payload, !client_request_token.empty(), secret_string.has_value());
  result<create_secret_result> r;
  const auto v = response_object("CreateSecret", out.error, out.body, r);
  if (!v) co_return r;
  r.value.arn = string_field(v->as_object(), "ARN");
  r.value.name = string_field(v->as_object(), "Name");
  r.value.version_id = string_field(v->as_object(), "VersionId");
  co_return r;
}

asio::awaitable<result<empty_value>> secrets_client::delete_secret(std::string secret_id,
                                                                   bool force_without_recovery) {
  json_object_writer req;
  req.string("SecretId", secret_id);
  if (force_without_recovery) req.boolean("ForceDeleteWithoutRecovery", true);
  const secure_string payload = std::move(req).finish();
  auto out = co_await call("DeleteSecret", payload, true, false);
  result<empty_value> r;
  r.error = std::move(out.error);
  co_return r;
}

}  // namespace janitor::sm
