#include <janitor/sm_client/credentials.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/json.hpp>

#include <cstdio>

// The JSON of credential_process programs and credential endpoints: no I/O here.

namespace janitor::sm {
namespace {
namespace json = boost::json;
using std::chrono::system_clock;

credentials_result fail(errc code, std::string message) {
  credentials_result r;
  r.error.code = code;
  r.error.message = std::move(message);
  return r;
}

std::optional<system_clock::time_point> parse_iso8601(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20) return std::nullopt;
  const std::string head(s.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
    return std::nullopt;
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  if (rest != "Z" && rest != "+00:00" && rest != "+0000") return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  // system_clock counts nanoseconds and ends in 2262: later is "never" here.
  if (y >= 2200) return system_clock::time_point::max();
  if (y < 1970) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{sec};
}

}  // namespace

credentials_result parse_credentials_json(std::string_view text, std::string_view source,
                                          bool process_format) {
  const std::string src(source);
  boost::system::error_code ec;
  const json::value v = parse_secure_json(text, ec);
  if (ec || !v.is_object())
    return fail(errc::no_credentials, src + ": the credentials response is not a JSON object");
  const auto& o = v.as_object();
  auto str = [&](std::string_view k) -> std::optional<std::string_view> {
    const auto* p = o.if_contains(k);
    if (p == nullptr || !p->is_string()) return std::nullopt;
    return std::string_view(p->as_string());
  };
  if (process_format) {
    const auto* ver = o.if_contains("Version");
    if (ver == nullptr || !ver->is_int64() || ver->as_int64() != 1) {
      return fail(errc::no_credentials, src + ": credential_process output must have \"Version\": 1");
    }
  } else if (auto code = str("Code"); code && *code != "Success") {
    return fail(errc::no_credentials, src + ": the endpoint reported " + std::string(*code));
  }
  const auto id = str("AccessKeyId");
  const auto secret = str("SecretAccessKey");
  if (!id || !secret || id->empty() || secret->empty()) {
    return fail(errc::no_credentials, src + ": AccessKeyId or SecretAccessKey missing");
  }
  credentials_result r;
  r.source = src;
  r.creds.access_key_id = *id;
  r.creds.secret_access_key.assign(*secret);
  if (auto t = str(process_format ? "SessionToken" : "Token")) r.creds.session_token.assign(*t);
  if (auto exp = str("Expiration")) {
    r.expiration = parse_iso8601(*exp);
    if (!r.expiration) return fail(errc::no_credentials, src + ": Expiration is not an ISO 8601 UTC time");
  }
  return r;
}

}  // namespace janitor::sm
