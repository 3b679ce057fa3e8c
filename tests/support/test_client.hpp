#pragma once

#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/http_transport.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace janitor::test {

inline sigv4::credentials test_credentials(std::string id = "AKIDTESTTESTTEST",
                                           std::string secret = "test-secret") {
  sigv4::credentials c;
  c.access_key_id = std::move(id);
  c.secret_access_key.assign(secret);
  return c;
}

// A client on a live HTTP(S) transport, with fast deterministic retries.
inline std::unique_ptr<sm::secrets_client> make_test_client(boost::asio::io_context& ioc,
                                                            const std::string& url,
                                                            sigv4::credentials creds = test_credentials(),
                                                            sm::http_options http = {},
                                                            sm::client_options opts = {}) {
  sm::error_info err;
  auto ep = sm::parse_endpoint(url, err);
  if (!ep) throw std::runtime_error(err.describe());
  auto made = sm::make_http_transport(ioc.get_executor(), *ep, http);
  if (made.error.failed()) throw std::runtime_error(made.error.describe());
  if (opts.region.empty()) opts.region = "us-east-1";
  opts.ep = *ep;
  if (!opts.jitter) opts.jitter = [] { return 0.5; };
  if (opts.retry.base_delay == sm::retry_options{}.base_delay)
    opts.retry.base_delay = std::chrono::milliseconds(2);
  return std::make_unique<sm::secrets_client>(ioc.get_executor(), made.transport,
                                              sm::make_static_credentials(std::move(creds)), std::move(opts));
}

}  // namespace janitor::test
