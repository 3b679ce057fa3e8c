#pragma once

// A real HTTP server on loopback that answers from a script: each request
// takes the next step (a response, a dropped connection, a stall). It records
// what it received. For retry, credential-endpoint and fault tests.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace janitor::test {

struct scripted_step {
  enum class kind { respond, drop_before_response, stall };
  kind what = kind::respond;
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = false;

  static scripted_step ok(std::string body) { return {kind::respond, 200, std::move(body), {}, false}; }
  static scripted_step error(int status, std::string type, std::string message = "injected") {
    return {
        kind::respond, status, R"({"__type":")" + type + R"(","message":")" + message + R"("})", {}, false};
  }
  static scripted_step drop() { return {kind::drop_before_response, 0, {}, {}, false}; }
  static scripted_step stall() { return {kind::stall, 0, {}, {}, false}; }
};

struct received_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  [[nodiscard]] std::string header(const std::string& name) const;
};

class scripted_server {
 public:
  explicit scripted_server(boost::asio::io_context& ioc);
  ~scripted_server();

  void push(scripted_step s) { steps_->push_back(std::move(s)); }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::vector<received_request>& requests() const { return *received_; }
  [[nodiscard]] std::size_t steps_left() const { return steps_->size(); }
  [[nodiscard]] std::size_t connections_accepted() const { return state_->accepted; }
  // Closes every open connection from the server side, as a server does with idle keep-alive ones.
  void close_idle_connections();

  struct shared_state {
    std::size_t accepted = 0;
    std::vector<std::weak_ptr<boost::asio::ip::tcp::socket>> sockets;
  };

 private:
  std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::shared_ptr<std::deque<scripted_step>> steps_;
  std::shared_ptr<std::vector<received_request>> received_;
  std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();
  std::uint16_t port_ = 0;
};

}  // namespace janitor::test
