#include <janitor/sm_client/http_transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/crypto.h>

#include <deque>
#include <vector>

// Results of co_await are copied into named locals, never bound with
// structured bindings: GCC 12 loses structured bindings across a later
// co_await in the same coroutine.

namespace janitor::sm {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// Bodies and read buffers that may hold secret values are wiped when freed.
using secure_body = http::basic_string_body<char, std::char_traits<char>, wiping_allocator<char>>;
using secure_flat_buffer = beast::basic_flat_buffer<wiping_allocator<char>>;

template <class String>
void wipe_string(String& s) {
  OPENSSL_cleanse(s.data(), s.capacity() + 1);  // the small buffer too
  s.clear();
}

struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  secure_flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }
};

// A counting semaphore for coroutines on one thread: bounds open connections.
class connection_slots {
 public:
  connection_slots(asio::any_io_executor ex, std::size_t n) : ex_(std::move(ex)), available_(n) {}

  asio::awaitable<bool> acquire() {
    while (available_ == 0) {
      auto t = std::make_shared<asio::steady_timer>(ex_, asio::steady_timer::time_point::max());
      waiters_.push_back(t);
      co_await t->async_wait(use_nothrow);
      std::erase(waiters_, t);
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
        co_return false;
      }
    }
    --available_;
    co_return true;
  }
  void release() {
    ++available_;
    if (!waiters_.empty()) {
      // Expiring (rather than cancelling) also wakes a waiter that has not started waiting yet.
      waiters_.front()->expires_at(asio::steady_timer::time_point::min());
      waiters_.pop_front();
    }
  }

 private:
  asio::any_io_executor ex_;
  std::size_t available_;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
};

error_info io_error(errc code, std::string what, const error_code& ec, bool maybe_applied = false) {
  error_info e;
  e.code = code;
  e.message = std::move(what) + ": " + ec.message();
  e.maybe_applied = maybe_applied;
  return e;
}

class http_transport final : public transport, public std::enable_shared_from_this<http_transport> {
 public:
  http_transport(asio::any_io_executor ex, endpoint ep, http_options opts,
                 std::unique_ptr<asio::ssl::context> ctx)
      : ex_(ex),
        ep_(std::move(ep)),
        opts_(std::move(opts)),
        ssl_(std::move(ctx)),
        slots_(ex, opts_.max_connections) {}

  asio::awaitable<transport_result> send(const http_request& req) override {
    auto self = shared_from_this();  // keep the pool alive while a call runs
    // Cancellation comes back as errc::cancelled, not as an exception.
    co_await asio::this_coro::throw_if_cancelled(false);
    transport_result out;
    if (!co_await slots_.acquire()) {
      out.error.code = errc::cancelled;
      out.error.message = "cancelled while waiting for a connection";
      co_return out;
    }
    struct slot_guard {
      connection_slots& s;
      ~slot_guard() { s.release(); }
    } guard{slots_};

    // A pooled connection may have been closed by the server while idle: that
    // shows as a failure before any response byte. Then, once, use a fresh one.
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<connection> conn = take_idle();
      if (!conn) {
        auto cerr_fresh_r = co_await connect();
        auto cerr = std::move(std::get<0>(cerr_fresh_r));
        auto fresh = std::move(std::get<1>(cerr_fresh_r));
        if (cerr.failed()) {
          out.error = std::move(cerr);
          co_return out;
        }
        conn = std::move(fresh);
      }
      const bool was_reused = conn->reused;
      bool keep_alive = false;
      bool nothing_received = false;
      if (conn->secure) {
        out = co_await exchange(*conn->secure, *conn, req, keep_alive, nothing_received);
      } else {
        out = co_await exchange(*conn->plain, *conn, req, keep_alive, nothing_received);
      }
      if (!out.error.failed()) {
        if (keep_alive) give_back(std::move(conn));
        co_return out;
      }
      if (!(was_reused && nothing_received && out.error.code == errc::network)) co_return out;
      out = transport_result{};
    }
    co_return out;
  }

 private:
  std::unique_ptr<connection> take_idle() {
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  void give_back(std::unique_ptr<connection> c) {
    if (idle_.size() >= opts_.max_idle) return;
    c->reused = true;
    idle_.push_back(std::move(c));
  }

  asio::awaitable<bool> cancelled() {
    co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
  }

  // operation_aborted with no cancellation asked for is a timeout of ours.
  // A plain function (the cancellation state is read by the caller): GCC 12
  // mishandles reference parameters of coroutines that suspend.
  static errc classify(const error_code& ec, bool was_cancelled) {
    if (was_cancelled) return errc::cancelled;
    if (ec == beast::error::timeout || ec == asio::error::timed_out || ec == asio::error::operation_aborted) {
      return errc::timeout;
    }
    if (ec.category() == asio::error::get_ssl_category() ||
        ec.category() == asio::ssl::error::get_stream_category()) {
      return errc::tls;
    }
    return errc::network;
  }

  asio::awaitable<std::pair<error_info, std::unique_ptr<connection>>> connect() {
    auto conn = std::make_unique<connection>();
    const bool via_proxy = ep_.tls && opts_.https_proxy.has_value();
    const endpoint& dial = via_proxy ? *opts_.https_proxy : ep_;

    tcp::resolver::results_type results;
    if (!resolved_.empty() && std::chrono::steady_clock::now() < resolved_until_) {
      results = resolved_;
    } else {
      tcp::resolver resolver(ex_);
      auto rerr_results_r =
          co_await resolver.async_resolve(dial.host, std::to_string(dial.port), use_nothrow);
      auto rerr = std::move(std::get<0>(rerr_results_r));
      results = std::move(std::get<1>(rerr_results_r));
      const bool cancelled_1 = co_await cancelled();
      if (rerr)
        co_return std::pair{io_error(classify(rerr, cancelled_1), "cannot resolve " + dial.host, rerr),
                            nullptr};
      resolved_ = results;
      resolved_until_ = std::chrono::steady_clock::now() + opts_.dns_cache_ttl;
    }

    auto tcp_stream = std::make_unique<beast::tcp_stream>(ex_);
    tcp_stream->expires_after(opts_.connect_timeout);
    auto cerr_r = co_await tcp_stream->async_connect(results, use_nothrow);
    auto cerr = std::move(std::get<0>(cerr_r));
    if (cerr) {
      resolved_ = {};  // the name may have moved: resolve again next time
      const bool cancelled_2 = co_await cancelled();
      co_return std::pair{
          io_error(classify(cerr, cancelled_2), "cannot connect to " + dial.host_header(), cerr), nullptr};
    }

    if (via_proxy) {
      error_info perr = co_await tunnel(*tcp_stream);
      if (perr.failed()) co_return std::pair{std::move(perr), nullptr};
    }

    if (!ep_.tls) {
      conn->plain = std::move(tcp_stream);
      co_return std::pair{error_info{}, std::move(conn)};
    }

    conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*tcp_stream), *ssl_);
    auto& ssl = *conn->secure;
    // SNI is for names only; an IP literal is verified against the certificate's IP SANs.
    if (!is_ip_literal(ep_.host) && SSL_set_tlsext_host_name(ssl.native_handle(), ep_.host.c_str()) != 1) {
      error_code ec(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
      co_return std::pair{io_error(errc::tls, "cannot set TLS server name", ec), nullptr};
    }
    ssl.set_verify_mode(asio::ssl::verify_peer);
    ssl.set_verify_callback(asio::ssl::host_name_verification(ep_.host));
    ssl.next_layer().expires_after(opts_.connect_timeout);
    auto herr_r = co_await ssl.async_handshake(asio::ssl::stream_base::client, use_nothrow);
    auto herr = std::move(std::get<0>(herr_r));
    if (herr) {
      const bool cancelled_3 = co_await cancelled();
      co_return std::pair{
          io_error(classify(herr, cancelled_3), "TLS handshake with " + ep_.host_header() + " failed", herr),
          nullptr};
    }
    co_return std::pair{error_info{}, std::move(conn)};
  }

  // HTTP CONNECT through the proxy to the endpoint.
  asio::awaitable<error_info> tunnel(beast::tcp_stream& s) {
    const std::string authority = ep_.host_header().find(':') == std::string::npos
                                      ? ep_.host_header() + ":" + std::to_string(ep_.port)
                                      : ep_.host_header();
    http::request<http::empty_body> req{http::verb::connect, authority, 11};
    req.set(http::field::host, authority);
    s.expires_after(opts_.connect_timeout);
    auto werr_w_r = co_await http::async_write(s, req, use_nothrow);
    auto werr = std::move(std::get<0>(werr_w_r));
    const bool cancelled_4 = co_await cancelled();
    if (werr) co_return io_error(classify(werr, cancelled_4), "proxy CONNECT failed", werr);
    beast::flat_buffer buf;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a CONNECT response has no body
    auto rerr_r_r = co_await http::async_read_header(s, buf, parser, use_nothrow);
    auto rerr = std::move(std::get<0>(rerr_r_r));
    const bool cancelled_5 = co_await cancelled();
    if (rerr) co_return io_error(classify(rerr, cancelled_5), "proxy CONNECT failed", rerr);
    if (parser.get().result_int() != 200) {
      error_info e;
      e.code = errc::network;
      e.message = "proxy refused CONNECT to " + authority + " (HTTP " +
                  std::to_string(parser.get().result_int()) + ")";
      co_return e;
    }
    co_return error_info{};
  }

  template <class Stream>
  asio::awaitable<transport_result> exchange(Stream& stream, connection& conn, const http_request& req,
                                             bool& keep_alive, bool& nothing_received) {
    transport_result out;
    http::request<secure_body> msg;
    msg.method_string(req.method);
    msg.target(req.target);
    msg.version(11);
    for (const auto& h : req.headers) msg.set(h.name, h.value);
    msg.body().assign(req.body.data(), req.body.size());
    msg.prepare_payload();
    struct body_wiper {
      http::request<secure_body>& m;
      ~body_wiper() { wipe_string(m.body()); }
    } wipe_req{msg};

    conn.lowest().expires_after(opts_.request_timeout);
    auto werr_written_r = co_await http::async_write(stream, msg, use_nothrow);
    auto werr = std::move(std::get<0>(werr_written_r));
    if (werr) {
      // A request that was not written whole cannot have been acted on.
      nothing_received = true;
      const bool cancelled_6 = co_await cancelled();
      out.error = io_error(classify(werr, cancelled_6), "sending the request failed", werr);
      co_return out;
    }

    http::response_parser<secure_body> parser;
    parser.body_limit(opts_.max_response_bytes);
    parser.header_limit(16 * 1024);
    auto rerr_read_r = co_await http::async_read(stream, conn.buffer, parser, use_nothrow);
    auto rerr = std::move(std::get<0>(rerr_read_r));
    auto read = std::move(std::get<1>(rerr_read_r));
    if (rerr) {
      nothing_received = read == 0 && conn.buffer.size() == 0;
      const bool cancelled_7 = co_await cancelled();
      errc code = classify(rerr, cancelled_7);
      if (rerr == http::error::body_limit || rerr == http::error::header_limit) {
        code = errc::response_too_large;
      } else if (rerr.category() == make_error_code(http::error::bad_version).category() &&
                 rerr != http::error::end_of_stream && rerr != http::error::partial_message) {
        code = errc::malformed_response;  // the bytes arrived but are not HTTP
      }
      out.error = io_error(code, "reading the response failed", rerr, /*maybe_applied=*/true);
      wipe_string(parser.get().body());
      co_return out;
    }
    auto& res = parser.get();
    keep_alive = res.keep_alive();
    out.response.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.response.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    out.response.body.assign({res.body().data(), res.body().size()});
    wipe_string(res.body());
    if (!keep_alive) co_await shutdown(stream);
    co_return out;
  }

  template <class Stream>
  asio::awaitable<void> shutdown(Stream& stream) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    } else {
      stream.next_layer().expires_after(std::chrono::seconds(2));
      // The peer closing without close_notify (stream_truncated) is harmless here:
      // the response was complete and length-delimited.
      co_await stream.async_shutdown(use_nothrow);
    }
  }

  asio::any_io_executor ex_;
  endpoint ep_;
  http_options opts_;
  std::unique_ptr<asio::ssl::context> ssl_;
  connection_slots slots_;
  tcp::resolver::results_type resolved_;
  std::chrono::steady_clock::time_point resolved_until_;
  std::vector<std::unique_ptr<connection>> idle_;
};

}  // namespace

transport_factory_result make_http_transport(asio::any_io_executor ex, endpoint ep, http_options opts) {
  transport_factory_result r;
  std::unique_ptr<asio::ssl::context> ctx;
  if (ep.tls) {
    ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(asio::ssl::verify_peer);
    error_code ec;
    if (!opts.ca_bundle.empty()) {
      ctx->load_verify_file(opts.ca_bundle, ec);
      if (ec) {
        r.error = io_error(errc::tls, "cannot load the CA bundle '" + opts.ca_bundle + "'", ec);
        return r;
      }
    } else {
      ctx->set_default_verify_paths(ec);
      if (ec) {
        r.error = io_error(errc::tls, "cannot load the system CA store", ec);
        return r;
      }
    }
  }
  r.transport =
      std::make_shared<http_transport>(std::move(ex), std::move(ep), std::move(opts), std::move(ctx));
  return r;
}

}  // namespace janitor::sm
