#pragma once

// The write engine: changes single entries of a JSON secret and never
// overwrites a version it did not read (docs/protocol.md).
//
//   auto r = co_await janitor::write_secret(client, "app/config", edits, opts);
//
// Handler signature (token form): void(boost::system::error_code, write_result).
// The error code is set only for outcome::error; conflict, unsupported and
// no-op are outcomes, not errors.
//
// Cancellation (terminal, through the handler's cancellation slot):
//  - before staging: the write stops, nothing was written;
//  - after staging: cleanup still runs (bounded by cleanup_timeout), then the
//    write ends cancelled;
//  - while the commit is in flight: the commit may have happened; it is
//    resolved by reading the stages, and a write that committed reports applied.
//
// Object lifetimes: the api (or client) must outlive the operation; edits and
// options are copied. No hidden threads: everything runs on the api's executor.
// Many writes may run at once on one io_context.

#include <janitor/engine/document.hpp>
#include <janitor/engine/secrets_api.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace janitor::engine {

enum class outcome { applied, noop, conflict, unsupported, error };
const char* to_string(outcome o) noexcept;

// Engine failures that are not the service's.
enum class errc {
  ok = 0,
  invalid_edits = 1,  // step 0: nothing was sent
  secret_too_large,   // the merged secret would exceed 65,536 bytes
  no_current_value,   // the secret exists but has no AWSCURRENT value
  commit_unknown,     // the commit's fate could not be established in time
  label_quota,        // the secret carries too many staging labels
  cancelled,
  internal,  // an exception escaped (a bug)
};
const boost::system::error_category& error_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

struct write_options {
  int max_attempts = 5;                       // staged attempts in all
  std::function<std::string()> token_source;  // default: random UUID v4
  std::function<double()> jitter;             // [0, 1); default: random
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{3000};
  std::chrono::milliseconds resolve_timeout{30000};  // ambiguous commit: reading stages for at most this long
  std::chrono::milliseconds cleanup_timeout{15000};  // label removal (also after cancellation)
  int cleanup_attempts = 4;
  int stale_read_attempts = 6;  // after a lost race, re-reads while the service still shows the old base
  std::shared_ptr<spdlog::logger> logger;  // default: discards
  // Test hook: called before each protocol step ("stage", "commit", "settle") with the
  // attempt number, so a test can play a concurrent writer at exactly that step.
  std::function<void(std::string_view step, int attempt)> before_step;
  // A read already made (a preview): used as step 1 instead of reading again.
  std::optional<sm::secret_value> initial_read;
};

struct write_result {
  outcome result = outcome::error;
  std::string secret_id;
  std::string version_id;           // applied: the new version
  std::string previous_version_id;  // the version it replaced (or, otherwise, the last one read)
  int attempts = 0;                 // staged versions made
  std::vector<std::string> added, changed, removed;
  std::vector<std::string> conflicting_keys;
  bool persistent_contention = false;  // conflict after max_attempts lost races
  bool pending_label_left = false;
  std::string pending_label;  // which, when left
  std::string unsupported_reason;
  sm::error_info error;               // outcome::error
  std::vector<std::string> warnings;  // e.g. a rotation in progress
  std::size_t new_size = 0;           // bytes of the written secret
};

// A look before writing: the read, and what the edits would change. Nothing is written.
struct write_plan {
  outcome predicted = outcome::error;  // applied (a change would be written), noop, unsupported, error
  sm::secret_value base;               // holds the value: keep it only as long as needed
  flat_document::change_summary summary;
  std::size_t current_size = 0;
  std::size_t new_size = 0;
  std::string unsupported_reason;
  sm::error_info error;
};
boost::asio::awaitable<write_plan> plan_write(secrets_api& api, std::string secret_id,
                                              std::vector<edit> edits);

// Prints every field but values (there are none in a result).
std::ostream& operator<<(std::ostream& os, const write_result& r);

boost::asio::awaitable<write_result> write_secret(secrets_api& api, std::string secret_id,
                                                  std::vector<edit> edits, write_options opts = {});
boost::asio::awaitable<write_result> write_secret(sm::secrets_client& client, std::string secret_id,
                                                  std::vector<edit> edits, write_options opts = {});

namespace detail {
template <class Handler>
struct write_completion {
  Handler handler;
  void operator()(std::exception_ptr e, write_result r) {
    boost::system::error_code ec;
    if (e) {
      r.result = outcome::error;
      r.error.code = make_error_code(errc::internal);
      r.error.message = "internal error: an exception escaped the write engine";
      ec = r.error.code;
    } else if (r.result == outcome::error) {
      ec = r.error.code;
    }
    std::move(handler)(ec, std::move(r));
  }
};
}  // namespace detail

namespace detail {
// Spawns `op` on `ex` and completes the handler with its result, on the
// handler's executor, with the handler's cancellation slot connected.
template <class CompletionToken>
auto initiate_write(boost::asio::any_io_executor ex, boost::asio::awaitable<write_result> op,
                    CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, write_result)>(
      [](auto handler, boost::asio::any_io_executor e, boost::asio::awaitable<write_result> o) {
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        auto hex = boost::asio::get_associated_executor(handler, e);
        boost::asio::co_spawn(e, std::move(o),
                              boost::asio::bind_cancellation_slot(
                                  slot, boost::asio::bind_executor(
                                            hex, write_completion<decltype(handler)>{std::move(handler)})));
      },
      token, std::move(ex), std::move(op));
}
}  // namespace detail

// The completion-token form: use_awaitable, deferred, use_future, callbacks.
// The handler never runs inside this call.
template <class CompletionToken = boost::asio::deferred_t>
auto async_write_secret(secrets_api& api, std::string secret_id, std::vector<edit> edits,
                        write_options opts = {}, CompletionToken&& token = {}) {
  return detail::initiate_write(api.get_executor(),
                                write_secret(api, std::move(secret_id), std::move(edits), std::move(opts)),
                                std::forward<CompletionToken>(token));
}

template <class CompletionToken = boost::asio::deferred_t>
auto async_write_secret(sm::secrets_client& client, std::string secret_id, std::vector<edit> edits,
                        write_options opts = {}, CompletionToken&& token = {}) {
  return detail::initiate_write(client.get_executor(),
                                write_secret(client, std::move(secret_id), std::move(edits), std::move(opts)),
                                std::forward<CompletionToken>(token));
}

}  // namespace janitor::engine

namespace boost::system {
template <>
struct is_error_code_enum<janitor::engine::errc> : std::true_type {};
}  // namespace boost::system

namespace janitor {
using engine::async_write_secret;
using engine::write_secret;
}  // namespace janitor
