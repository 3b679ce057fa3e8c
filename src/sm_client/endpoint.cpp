#include <janitor/sm_client/endpoint.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <charconv>

namespace janitor::sm {

std::string endpoint::host_header() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string h = ipv6 ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string endpoint::url() const { return std::string(tls ? "https://" : "http://") + host_header(); }

bool is_ip_literal(std::string_view host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && addr.is_loopback();
}

std::optional<endpoint> parse_endpoint(std::string_view url, error_info& err) {
  auto fail = [&](std::string why) -> std::optional<endpoint> {
    err.code = errc::invalid_endpoint;
    err.message = "endpoint URL '" + std::string(url) + "': " + std::move(why);
    return std::nullopt;
  };
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return fail("not an absolute URL");
  const auto& u = *parsed;
  endpoint ep;
  if (u.scheme() == "https") {
    ep.tls = true;
  } else if (u.scheme() == "http") {
    ep.tls = false;
  } else {
    return fail("scheme must be https (or http on loopback)");
  }
  if (u.has_userinfo()) return fail("user information in the URL is not supported");
  if (u.has_query() || u.has_fragment()) return fail("a query or fragment is not allowed");
  if (!u.path().empty() && u.path() != "/") return fail("a path is not supported");
  ep.host = u.host_name();
  if (u.host_type() == boost::urls::host_type::ipv6) {
    ep.host = u.encoded_host_address();
  } else if (u.host_type() == boost::urls::host_type::ipv4) {
    ep.host = u.encoded_host_address();
  }
  if (ep.host.empty()) return fail("no host");
  ep.port = ep.tls ? 443 : 80;
  if (u.has_port()) {
    const auto p = u.port();
    unsigned v = 0;
    const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
    if (r.ec != std::errc{} || r.ptr != p.data() + p.size() || v == 0 || v > 65535) return fail("bad port");
    ep.port = static_cast<std::uint16_t>(v);
  }
  if (!ep.tls && !is_loopback_host(ep.host)) {
    return fail("plain http:// is accepted only for loopback addresses; use https://");
  }
  return ep;
}

std::string default_endpoint_url(std::string_view region, bool fips) {
  std::string suffix = "amazonaws.com";
  if (region.starts_with("cn-"))
    suffix = "amazonaws.com.cn";
  else if (region.starts_with("us-iso-"))
    suffix = "c2s.ic.gov";
  else if (region.starts_with("us-isob-"))
    suffix = "sc2s.sgov.gov";
  return "https://secretsmanager" + std::string(fips ? "-fips." : ".") + std::string(region) + "." + suffix;
}

}  // namespace janitor::sm
