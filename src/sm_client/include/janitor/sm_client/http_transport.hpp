#pragma once

// The live transport: HTTP/1.1 over TCP or TLS with Boost.Beast on Asio
// coroutines, with a bounded keep-alive pool for one endpoint.
//
// Not thread-safe: use one transport from one thread or strand (many may share
// an io_context).

#include <janitor/sm_client/endpoint.hpp>
#include <janitor/sm_client/transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace janitor::sm {

struct http_options {
  std::string ca_bundle;  // PEM file of trusted CAs; empty: the system store
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};  // write + read of one exchange
  std::size_t max_connections = 32;                  // open at once
  std::size_t max_idle = 8;                          // kept for reuse
  std::size_t max_response_bytes = 1 << 20;
  // How long the addresses of a name are reused before it is resolved again.
  // Asio resolves on a private thread, a hand-off per new connection; servers
  // that close every connection made that the largest cost of a bulk write.
  std::chrono::milliseconds dns_cache_ttl{30000};
  std::optional<endpoint> https_proxy;  // CONNECT tunnel for https endpoints
};

struct transport_factory_result {
  error_info error;
  std::shared_ptr<sm::transport> transport;
};

// Fails (invalid_endpoint / tls) when the TLS context cannot be set up, e.g. an
// unreadable CA bundle.
transport_factory_result make_http_transport(boost::asio::any_io_executor ex, endpoint ep, http_options opts);

}  // namespace janitor::sm
