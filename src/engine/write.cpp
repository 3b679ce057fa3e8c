#include <janitor/engine/write.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace janitor::engine {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
using clock = std::chrono::steady_clock;

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "janitor.engine"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "success";
      case errc::invalid_edits:
        return "the edits are not valid";
      case errc::secret_too_large:
        return "the secret would exceed Secrets Manager's 65,536-byte limit";
      case errc::no_current_value:
        return "the secret has no current value";
      case errc::commit_unknown:
        return "whether the new version became current could not be established";
      case errc::label_quota:
        return "the secret carries too many staging labels";
      case errc::cancelled:
        return "the write was cancelled";
      case errc::internal:
        return "internal error";
    }
    return "unknown janitor.engine error";
  }
};

std::string quoted(const std::string& key) { return boost::json::serialize(boost::json::string(key)); }

bool has_stage(const std::vector<std::string>& stages, std::string_view s) {
  return std::find(stages.begin(), stages.end(), s) != stages.end();
}

struct write_run {
  secrets_api& api;
  std::string id;
  std::vector<edit> edits;
  write_options opts;
  write_result r;

  spdlog::logger& log() { return *opts.logger; }

  asio::awaitable<bool> cancelled() {
    co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
  }

  std::chrono::milliseconds backoff(int attempt) {
    const double ceiling =
        std::min<double>(static_cast<double>(opts.backoff_cap.count()),
                         static_cast<double>(opts.backoff_base.count()) * std::pow(2.0, attempt));
    return std::chrono::milliseconds(static_cast<long long>(opts.jitter() * ceiling));
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(api.get_executor(), d);
    co_await t.async_wait(use_nothrow);
  }

  // Removes our pending label from our version, retried with backoff within
  // cleanup_timeout. A label that is already gone counts as removed.
  asio::awaitable<bool> remove_label(const std::string& label, const std::string& token) {
    const auto deadline = clock::now() + opts.cleanup_timeout;
    for (int k = 0; k < opts.cleanup_attempts && clock::now() < deadline; ++k) {
      asio::steady_timer limit(api.get_executor(), deadline);
      auto res = co_await (api.move_stage(id, label, "", token) || limit.async_wait(use_nothrow));
      if (res.index() == 1) break;
      const auto& moved = std::get<0>(res);
      if (moved.ok()) co_return true;
      if (moved.error.code == sm::errc::invalid_parameter ||
          moved.error.code == sm::errc::resource_not_found) {
        co_return true;  // not attached (anymore)
      }
      log().warn("{}: removing label {} failed: {}", id, label, moved.error.describe());
      if (moved.error.code == sm::errc::cancelled) co_await asio::this_coro::reset_cancellation_state();
      co_await sleep(backoff(k));
    }
    co_return false;
  }

  enum class commit_state { committed, not_committed, unknown };

  // After an ambiguous commit: read the stages (never the value, which may be
  // served from a cache) until they say what happened, or time runs out.
  asio::awaitable<commit_state> resolve_commit(const std::string& token, const std::string& base) {
    const auto deadline = clock::now() + opts.resolve_timeout;
    for (int k = 0; clock::now() < deadline; ++k) {
      asio::steady_timer limit(api.get_executor(), deadline);
      auto res = co_await (api.read_stages(id) || limit.async_wait(use_nothrow));
      if (res.index() == 1) break;
      const auto& desc = std::get<0>(res);
      if (desc.ok()) {
        note_rotation(desc.value);
        const auto& m = desc.value.version_ids_to_stages;
        const auto t = m.find(token);
        const auto b = m.find(base);
        const bool t_current = t != m.end() && has_stage(t->second, "AWSCURRENT");
        const bool t_previous = t != m.end() && has_stage(t->second, "AWSPREVIOUS");
        // Ours holds AWSCURRENT, or AWSPREVIOUS because a later writer moved on from it.
        if (t_current || t_previous) co_return commit_state::committed;
        if (b != m.end() && has_stage(b->second, "AWSCURRENT")) co_return commit_state::not_committed;
        if (k >= 2) break;  // a third version is current and ours holds neither: cannot tell
      } else {
        log().warn("{}: reading stages failed: {}", id, desc.error.describe());
        if (desc.error.code == sm::errc::cancelled) co_await asio::this_coro::reset_cancellation_state();
      }
      co_await sleep(backoff(k));
    }
    co_return commit_state::unknown;
  }

  void note_rotation(const sm::secret_description& d) {
    for (const auto& [version, stages] : d.version_ids_to_stages) {
      if (has_stage(stages, "AWSPENDING") && !has_stage(stages, "AWSCURRENT")) {
        const std::string w = "a rotation is in progress (AWSPENDING on version " + version +
                              "): its finish step can overwrite this change";
        if (std::find(r.warnings.begin(), r.warnings.end(), w) == r.warnings.end()) {
          r.warnings.push_back(w);
          log().warn("{}: {}", id, w);
        }
      }
    }
  }

  write_result fail(sm::error_info e) {
    r.result = outcome::error;
    r.error = std::move(e);
    return std::move(r);
  }
  write_result fail(errc code, std::string message) {
    sm::error_info e;
    e.code = code;
    e.message = std::move(message);
    return fail(std::move(e));
  }

  asio::awaitable<write_result> explain_read_failure(sm::error_info e) {
    if (e.code == sm::errc::resource_not_found) {
      auto desc = co_await api.read_stages(id);
      if (desc.ok()) {
        co_return fail(errc::no_current_value, "secret '" + id +
                                                   "' exists but has no current value (no version holds "
                                                   "AWSCURRENT); janitor-async edits existing values only");
      }
      e.message = "secret '" + id + "' does not exist (or is not visible with these credentials)";
    }
    co_return fail(std::move(e));
  }

  // Keys we edit whose value differs between two reads.
  std::vector<std::string> conflicts(const flat_document& before, const flat_document& after) const {
    std::vector<std::string> out;
    for (const auto& ed : edits) {
      const entry* a = before.find(ed.key);
      const entry* b = after.find(ed.key);
      const bool same = (a == nullptr && b == nullptr) ||
                        (a != nullptr && b != nullptr && a->kind == b->kind &&
                         before.decoded_value(*a).view() == after.decoded_value(*b).view());
      if (!same) out.push_back(ed.key);
    }
    return out;
  }

  asio::awaitable<write_result> run() {
    co_await asio::this_coro::throw_if_cancelled(false);
    r.secret_id = id;
    if (auto why = validate_edits(edits)) co_return fail(errc::invalid_edits, *why);

    // 1. Read (or take the preview's read).
    sm::result<sm::secret_value> read;
    if (opts.initial_read) {
      read.value = std::move(*opts.initial_read);
      opts.initial_read.reset();
    } else {
      read = co_await api.read_current(id);
    }
    if (!read.ok()) co_return co_await explain_read_failure(std::move(read.error));
    // 2. Check the shape.
    if (read.value.has_binary || !read.value.secret_string) {
      r.result = outcome::unsupported;
      r.unsupported_reason = "the secret holds SecretBinary, not a JSON SecretString";
      r.previous_version_id = read.value.version_id;
      co_return std::move(r);
    }
    std::string reason;
    auto doc = flat_document::parse(read.value.secret_string->view(), reason);
    if (!doc) {
      r.result = outcome::unsupported;
      r.unsupported_reason = reason;
      r.previous_version_id = read.value.version_id;
      co_return std::move(r);
    }
    std::string base = read.value.version_id;
    r.previous_version_id = base;

    std::string last_token;
    secure_string last_payload;
    for (int attempt = 1;; ++attempt) {
      // 3. Merge.
      flat_document::change_summary sum;
      secure_string merged = doc->apply(edits, &sum);
      r.added = sum.added;
      r.changed = sum.changed;
      r.removed = sum.removed;
      if (merged.view() == doc->text()) {
        r.result = outcome::noop;
        co_return std::move(r);
      }
      if (merged.size() > max_secret_size) {
        co_return fail(errc::secret_too_large, "the edited secret would be " + std::to_string(merged.size()) +
                                                   " bytes; Secrets Manager accepts at most 65,536");
      }
      r.new_size = merged.size();
      if (co_await cancelled()) co_return fail(errc::cancelled, "cancelled before anything was written");

      // 4. Stage: a byte-identical retry reuses its token, any other payload gets a new one.
      const std::string token =
          (!last_token.empty() && merged == last_payload) ? last_token : opts.token_source();
      const std::string label = "janitor-pending-" + token;
      r.attempts = attempt;
      std::vector<std::string> stages{label};
      if (opts.before_step) opts.before_step("stage", attempt);
      auto put = co_await api.put_staged(id, merged, token, stages);
      if (!put.ok()) {
        if (put.error.maybe_applied || put.error.code == sm::errc::cancelled) {
          if (put.error.code == sm::errc::cancelled) co_await asio::this_coro::reset_cancellation_state();
          if (!co_await remove_label(label, token)) {
            r.pending_label_left = true;
            r.pending_label = label;
          }
        }
        if (put.error.code == sm::errc::limit_exceeded) {
          put.error.code = make_error_code(errc::label_quota);
          put.error.message = "secret '" + id +
                              "' has reached a quota (at most 20 staging labels, or too many versions): "
                              "orphaned janitor-pending-* labels block every staged write; run "
                              "`janitor-async sweep " +
                              id + "`";
        }
        co_return fail(std::move(put.error));
      }
      last_token = token;
      last_payload = merged;
      log().debug("{}: staged version {} (attempt {})", id, token, attempt);

      // 5. Commit: the compare-and-swap on AWSCURRENT.
      if (opts.before_step) opts.before_step("commit", attempt);
      auto commit = co_await api.move_stage(id, "AWSCURRENT", token, base);
      commit_state state = commit_state::not_committed;
      bool verified_not_committed = false;  // the stages showed the base still current and ours not
      const bool user_cancelled = commit.error.code == sm::errc::cancelled;
      if (commit.ok()) {
        state = commit_state::committed;
      } else if (commit.error.maybe_applied || user_cancelled || commit.error.code == sm::errc::timeout ||
                 commit.error.code == sm::errc::network) {
        // The commit may have happened: a lost response or a cancel mid-flight.
        if (user_cancelled) co_await asio::this_coro::reset_cancellation_state();
        log().warn("{}: commit of {} is ambiguous ({}); reading the stages", id, token,
                   commit.error.describe());
        state = co_await resolve_commit(token, base);
        verified_not_committed = state == commit_state::not_committed;
        if (state == commit_state::unknown) {
          r.version_id = token;
          r.pending_label_left = true;
          r.pending_label = label;
          co_return fail(errc::commit_unknown,
                         "could not establish whether version " + token + " became AWSCURRENT of '" + id +
                             "' (" + commit.error.describe() + "); check `janitor-async versions " + id +
                             "`: if that version holds AWSCURRENT or AWSPREVIOUS the write applied; then run "
                             "`janitor-async sweep " +
                             id + "`");
        }
      }

      if (state == commit_state::committed) {
        // 6. Settle.
        if (opts.before_step) opts.before_step("settle", attempt);
        r.result = outcome::applied;
        r.version_id = token;
        r.previous_version_id = base;
        if (!co_await remove_label(label, token)) {
          r.pending_label_left = true;
          r.pending_label = label;
        }
        log().info("{}: applied as version {} (attempt {})", id, token, attempt);
        co_return std::move(r);
      }

      // 7. Lost race (or a refusal): the staged version must not keep its label.
      if (!co_await remove_label(label, token)) {
        r.pending_label_left = true;
        r.pending_label = label;
      }
      if (user_cancelled || co_await cancelled()) {
        co_return fail(errc::cancelled, "cancelled; the staged version was not committed");
      }
      const bool refusal_is_race = commit.ok() || commit.error.code == sm::errc::invalid_parameter ||
                                   commit.error.code == sm::errc::invalid_request ||
                                   commit.error.maybe_applied || commit.error.code == sm::errc::timeout ||
                                   commit.error.code == sm::errc::network;
      if (!refusal_is_race) co_return fail(std::move(commit.error));

      // Read again; a read that still shows the old base is the service being
      // eventually consistent: wait and read again rather than stage again.
      sm::result<sm::secret_value> fresh;
      for (int k = 0;; ++k) {
        fresh = co_await api.read_current(id);
        if (!fresh.ok()) co_return fail(std::move(fresh.error));
        // After a verified non-commit the base being current is the truth, not a stale read.
        if (fresh.value.version_id != base || verified_not_committed) break;
        if (k + 1 >= opts.stale_read_attempts) {
          sm::error_info e = commit.error;
          if (e.message.empty()) e.message = "the commit was refused";
          e.message += " (AWSCURRENT is still on the version read; nothing was changed)";
          co_return fail(std::move(e));
        }
        co_await sleep(backoff(k));
      }
      r.previous_version_id = fresh.value.version_id;
      if (fresh.value.has_binary || !fresh.value.secret_string) {
        r.result = outcome::unsupported;
        r.unsupported_reason = "the secret now holds SecretBinary, not a JSON SecretString";
        co_return std::move(r);
      }
      auto fresh_doc = flat_document::parse(fresh.value.secret_string->view(), reason);
      if (!fresh_doc) {
        r.result = outcome::unsupported;
        r.unsupported_reason = "after a concurrent change, " + reason;
        co_return std::move(r);
      }
      auto keys = conflicts(*doc, *fresh_doc);
      if (!keys.empty()) {
        r.result = outcome::conflict;
        r.conflicting_keys = std::move(keys);
        log().info("{}: conflict on {} key(s) changed by another writer", id, r.conflicting_keys.size());
        co_return std::move(r);
      }
      if (attempt >= opts.max_attempts) {
        r.result = outcome::conflict;
        r.persistent_contention = true;
        co_return std::move(r);
      }
      log().debug("{}: lost the race to version {}; merging onto it", id, fresh.value.version_id);
      doc = std::move(fresh_doc);
      base = fresh.value.version_id;
      co_await sleep(backoff(attempt - 1));  // de-synchronize contending writers
    }
  }
};

}  // namespace

asio::awaitable<write_plan> plan_write(secrets_api& api, std::string secret_id, std::vector<edit> edits) {
  write_plan p;
  if (auto why = validate_edits(edits)) {
    p.error.code = errc::invalid_edits;
    p.error.message = *why;
    co_return p;
  }
  auto read = co_await api.read_current(secret_id);
  if (!read.ok()) {
    write_options o;
    o.logger =
        std::make_shared<spdlog::logger>("janitor.plan", std::make_shared<spdlog::sinks::null_sink_mt>());
    write_run run{api, secret_id, std::move(edits), std::move(o), {}};
    p.error = (co_await run.explain_read_failure(std::move(read.error))).error;
    co_return p;
  }
  p.base = std::move(read.value);
  if (p.base.has_binary || !p.base.secret_string) {
    p.predicted = outcome::unsupported;
    p.unsupported_reason = "the secret holds SecretBinary, not a JSON SecretString";
    co_return p;
  }
  p.current_size = p.base.secret_string->size();
  std::string reason;
  auto doc = flat_document::parse(p.base.secret_string->view(), reason);
  if (!doc) {
    p.predicted = outcome::unsupported;
    p.unsupported_reason = reason;
    co_return p;
  }
  const secure_string merged = doc->apply(edits, &p.summary);
  p.new_size = merged.size();
  p.predicted = merged.view() == doc->text() ? outcome::noop : outcome::applied;
  if (p.predicted == outcome::applied && merged.size() > max_secret_size) {
    p.predicted = outcome::error;
    p.error.code = errc::secret_too_large;
    p.error.message = "the edited secret would be " + std::to_string(merged.size()) +
                      " bytes; Secrets Manager accepts at most 65,536";
  }
  co_return p;
}

const char* to_string(outcome o) noexcept {
  switch (o) {
    case outcome::applied:
      return "applied";
    case outcome::noop:
      return "noop";
    case outcome::conflict:
      return "conflict";
    case outcome::unsupported:
      return "unsupported";
    case outcome::error:
      return "error";
  }
  return "error";
}

const boost::system::error_category& error_category() noexcept {
  static const category c;
  return c;
}

std::ostream& operator<<(std::ostream& os, const write_result& r) {
  auto list = [&os](const char* name, const std::vector<std::string>& v) {
    os << ' ' << name << "=[";
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << quoted(v[i]);
    os << ']';
  };
  os << "write_result{outcome=" << to_string(r.result) << " secret=" << r.secret_id
     << " version=" << r.version_id << " previous=" << r.previous_version_id << " attempts=" << r.attempts;
  list("added", r.added);
  list("changed", r.changed);
  list("removed", r.removed);
  list("conflicting", r.conflicting_keys);
  os << " pending_label_left=" << r.pending_label_left;
  if (r.result == outcome::unsupported) os << " reason=" << r.unsupported_reason;
  if (r.result == outcome::error) os << " error=" << r.error.describe();
  return os << '}';
}

asio::awaitable<write_result> write_secret(secrets_api& api, std::string secret_id, std::vector<edit> edits,
                                           write_options opts) {
  // Defaults made once per thread: seeding a generator reads the OS entropy
  // source, which costs more than the rest of an in-memory write.
  if (!opts.token_source) {
    opts.token_source = [] {
      thread_local boost::uuids::random_generator gen;
      return boost::uuids::to_string(gen());
    };
  }
  if (!opts.jitter) {
    opts.jitter = [] {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    };
  }
  if (!opts.logger) {
    static const auto discard =
        std::make_shared<spdlog::logger>("janitor.engine", std::make_shared<spdlog::sinks::null_sink_mt>());
    opts.logger = discard;
  }
  if (opts.max_attempts < 1) opts.max_attempts = 1;
  write_run run{api, std::move(secret_id), std::move(edits), std::move(opts), {}};
  co_return co_await run.run();
}

asio::awaitable<write_result> write_secret(sm::secrets_client& client, std::string secret_id,
                                           std::vector<edit> edits, write_options opts) {
  client_api api(client);
  co_return co_await write_secret(api, std::move(secret_id), std::move(edits), std::move(opts));
}

}  // namespace janitor::engine
