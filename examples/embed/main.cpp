// A small Asio program that embeds the write engine: it sets entries of a
// secret through the awaitable API, on its own io_context.
//
//   embed SECRET_ID KEY=VALUE...
//
// Region, endpoint and credentials come from the usual AWS settings
// (AWS_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, profiles, ...).

#include <janitor/engine/write.hpp>
#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/config.hpp>
#include <janitor/sm_client/credentials.hpp>
#include <janitor/sm_client/http_transport.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<int> run(std::string secret_id, std::vector<janitor::engine::edit> edits) {
  auto ex = co_await asio::this_coro::executor;
  const auto env = janitor::sm::environment::from_process();
  janitor::sm::error_info err;
  auto files = janitor::sm::load_aws_files(env, err);
  if (!files) {
    std::cerr << err.describe() << "\n";
    co_return 1;
  }
  auto settings = janitor::sm::resolve_settings(env, files, {}, err);
  if (!settings) {
    std::cerr << err.describe() << "\n";
    co_return 1;
  }
  auto endpoint = janitor::sm::parse_endpoint(settings->endpoint_url, err);
  janitor::sm::http_options http;
  http.ca_bundle = settings->ca_bundle;
  auto transport = janitor::sm::make_http_transport(ex, *endpoint, http);
  if (transport.error.failed()) {
    std::cerr << transport.error.describe() << "\n";
    co_return 1;
  }
  janitor::sm::credential_chain_options creds;
  creds.env = env;
  creds.files = files;
  janitor::sm::client_options opts;
  opts.region = settings->region;
  opts.ep = *endpoint;
  janitor::sm::secrets_client client(ex, transport.transport,
                                     janitor::sm::make_default_credentials_chain(ex, creds), opts);

  // The point of the example: one co_await.
  const auto result = co_await janitor::write_secret(client, secret_id, std::move(edits));

  std::cout << result << "\n";
  co_return result.result == janitor::engine::outcome::applied ||
          result.result == janitor::engine::outcome::noop
      ? 0
      : 1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: embed SECRET_ID KEY=VALUE...\n";
    return 64;
  }
  std::vector<janitor::engine::edit> edits;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      std::cerr << "not KEY=VALUE: argument " << i << "\n";
      return 64;
    }
    edits.push_back(janitor::engine::edit::set(arg.substr(0, eq), arg.substr(eq + 1)));
  }
  asio::io_context ioc;
  auto fut = asio::co_spawn(ioc, run(argv[1], std::move(edits)), asio::use_future);
  ioc.run();
  return fut.get();
}
