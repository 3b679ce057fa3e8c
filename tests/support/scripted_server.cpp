#include "scripted_server.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace janitor::test {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve(std::shared_ptr<tcp::socket> sock_ptr,
                            std::shared_ptr<std::deque<scripted_step>> steps,
                            std::shared_ptr<std::vector<received_request>> received) {
  tcp::socket& sock = *sock_ptr;
  beast::flat_buffer buf;
  for (;;) {
    http::request<http::string_body> req;
    auto ec_n_r = co_await http::async_read(sock, buf, req, use_nothrow);
    auto ec = std::move(std::get<0>(ec_n_r));
    if (ec) co_return;
    received_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = req.body();
    received->push_back(std::move(r));
    if (steps->empty()) {
      scripted_step s = scripted_step::error(500, "NoScriptedResponse", "the test script ran out");
      steps->push_back(s);
    }
    scripted_step step = std::move(steps->front());
    steps->pop_front();
    if (step.what == scripted_step::kind::drop_before_response) {
      beast::error_code ignored;
      sock.shutdown(tcp::socket::shutdown_both, ignored);
      sock.close(ignored);
      co_return;
    }
    if (step.what == scripted_step::kind::stall) {
      asio::steady_timer t(sock.get_executor(), std::chrono::seconds(120));
      co_await t.async_wait(use_nothrow);
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(step.status), 11};
    res.set(http::field::content_type, "application/x-amz-json-1.1");
    for (const auto& [k, v] : step.headers) res.set(k, v);
    res.body() = step.body;
    res.keep_alive(step.keep_alive);
    res.prepare_payload();
    auto wec_w_r = co_await http::async_write(sock, res, use_nothrow);
    auto wec = std::move(std::get<0>(wec_w_r));
    if (wec || !step.keep_alive) {
      beast::error_code ignored;
      sock.shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acc,
                                  std::shared_ptr<std::deque<scripted_step>> steps,
                                  std::shared_ptr<std::vector<received_request>> received,
                                  std::shared_ptr<scripted_server::shared_state> state) {
  for (;;) {
    auto ec_sock_r = co_await acc->async_accept(use_nothrow);
    auto ec = std::move(std::get<0>(ec_sock_r));
    auto sock = std::move(std::get<1>(ec_sock_r));
    if (ec) co_return;
    auto p = std::make_shared<tcp::socket>(std::move(sock));
    ++state->accepted;
    state->sockets.push_back(p);
    asio::co_spawn(acc->get_executor(), serve(p, steps, received), asio::detached);
  }
}
}  // namespace

std::string received_request::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (boost::algorithm::iequals(k, name)) return v;
  }
  return {};
}

scripted_server::scripted_server(asio::io_context& ioc)
    : acceptor_(std::make_shared<tcp::acceptor>(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))),
      steps_(std::make_shared<std::deque<scripted_step>>()),
      received_(std::make_shared<std::vector<received_request>>()) {
  port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(ioc, accept_loop(acceptor_, steps_, received_, state_), asio::detached);
}

void scripted_server::close_idle_connections() {
  for (auto& w : state_->sockets) {
    if (auto s = w.lock()) {
      beast::error_code ignored;
      s->shutdown(tcp::socket::shutdown_both, ignored);
      s->close(ignored);
    }
  }
  state_->sockets.clear();
}

scripted_server::~scripted_server() {
  beast::error_code ignored;
  acceptor_->close(ignored);
}

}  // namespace janitor::test
