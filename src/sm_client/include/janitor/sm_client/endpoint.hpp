#pragma once

#include <janitor/sm_client/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace janitor::sm {

struct endpoint {
  bool tls = true;
  std::string host;  // IPv6 literals without brackets
  std::uint16_t port = 443;

  [[nodiscard]] std::string host_header() const;  // what Host: carries (port only when not the default)
  [[nodiscard]] std::string url() const;
};

// Parses an endpoint URL (https://host[:port][/], or http:// on loopback only).
// On failure returns nullopt and fills `err` (invalid_endpoint) with the reason.
std::optional<endpoint> parse_endpoint(std::string_view url, error_info& err);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);
bool is_ip_literal(std::string_view host);

// The public endpoint for a region, by partition (aws, aws-cn, aws-us-gov,
// aws-iso, aws-iso-b), with the FIPS variant where asked.
std::string default_endpoint_url(std::string_view region, bool fips);

}  // namespace janitor::sm
