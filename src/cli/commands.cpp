#include "commands.hpp"

#include <janitor/engine/sweep.hpp>
#include <janitor/engine/write.hpp>
#include <janitor/sm_client/config.hpp>
#include <janitor/sm_client/credentials.hpp>
#include <janitor/sm_client/fault_transport.hpp>
#include <janitor/sm_client/http_transport.hpp>
#include <janitor/sm_client/recording.hpp>

#include "output.hpp"
#include "rate_limiter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace janitor::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

struct session {
  std::shared_ptr<spdlog::logger> logger;
  std::unique_ptr<sm::secrets_client> client;
  // Recording and replay.
  std::shared_ptr<sm::cassette> recording;       // --record: filled during the run
  std::shared_ptr<sm::replay_transport> replay;  // --replay
  std::shared_ptr<const sm::cassette> replayed;
  sm::redactor redactor;                      // replay: edits' values go through it
  std::function<std::string()> token_source;  // engine tokens (recorded or replayed)
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();

  // After the run: write the cassette, or check that the replay used it whole.
  [[nodiscard]] std::optional<sm::error_info> finish(const common_flags& c) const {
    if (replay) return replay->finish();
    if (recording) {
      sm::error_info err;
      if (!sm::save_cassette(*recording, c.record, err)) return err;
    }
    return std::nullopt;
  }
};

std::shared_ptr<spdlog::logger> make_logger(int verbose) {
  if (verbose <= 0) {
    return std::make_shared<spdlog::logger>("janitor", std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  auto l =
      std::make_shared<spdlog::logger>("janitor", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  l->set_level(verbose >= 2 ? spdlog::level::trace : spdlog::level::debug);
  l->set_pattern("%H:%M:%S.%e %^%l%$ %v");
  return l;
}

std::optional<session> open_session(asio::io_context& ioc, const common_flags& c, sm::error_info& err) {
  session s;
  s.logger = make_logger(c.verbose);
  sm::client_options opts;
  opts.logger = s.logger;

  if (!c.replay.empty()) {
    // Offline: no settings, no credentials, no network. Responses, tokens, the
    // clock and (zero) jitter all come from the cassette.
    auto loaded = sm::load_cassette(c.replay, err);
    if (!loaded) return std::nullopt;
    auto cas = std::make_shared<const sm::cassette>(std::move(*loaded));
    s.replayed = cas;
    s.replay = std::make_shared<sm::replay_transport>(cas);
    if (!cas->plaintext) s.redactor = sm::redactor(cas->redaction_key_hex);
    s.now = cas->clock;
    auto next = std::make_shared<std::size_t>(0);
    s.token_source = [cas, next] {
      return *next < cas->tokens.size() ? cas->tokens[(*next)++] : std::string("replay-ran-out-of-tokens");
    };
    opts.region = "us-east-1";
    opts.ep = *sm::parse_endpoint("https://secretsmanager.us-east-1.amazonaws.com", err);
    opts.now = [when = cas->clock] { return when; };
    opts.jitter = [] { return 0.0; };
    sigv4::credentials replay_creds;
    replay_creds.access_key_id = "AKIDREPLAY";
    replay_creds.secret_access_key.assign("replay");
    s.client = std::make_unique<sm::secrets_client>(ioc.get_executor(), s.replay,
                                                    sm::make_static_credentials(replay_creds), opts);
    return s;
  }

  const auto env = sm::environment::from_process();
  auto files = sm::load_aws_files(env, err);
  if (!files) return std::nullopt;
  sm::settings_flags f{c.region, c.endpoint_url, c.ca_bundle, c.profile};
  auto settings = sm::resolve_settings(env, files, f, err);
  if (!settings) return std::nullopt;
  auto ep = sm::parse_endpoint(settings->endpoint_url, err);
  if (!ep) return std::nullopt;
  sm::http_options http;
  http.ca_bundle = settings->ca_bundle;
  if (!settings->https_proxy.empty()) {
    auto proxy = sm::parse_endpoint(settings->https_proxy.starts_with("http://")
                                        ? "https://" + settings->https_proxy.substr(7)
                                        : settings->https_proxy,
                                    err);
    if (!proxy) {
      err.message = "HTTPS_PROXY: " + err.message;
      return std::nullopt;
    }
    proxy->tls = false;  // the CONNECT request itself is plain HTTP
    http.https_proxy = *proxy;
  }
  auto made = sm::make_http_transport(ioc.get_executor(), *ep, http);
  if (made.error.failed()) {
    err = made.error;
    return std::nullopt;
  }
  std::shared_ptr<sm::transport> transport = made.transport;
  // Test hook (docs/cli.md): inject faults into chosen calls, below the recorder
  // so that a recorded failure scenario replays exactly.
  if (const char* plan = std::getenv("JANITOR_TEST_FAULTS"); plan != nullptr && *plan != '\0') {
    std::string why;
    auto rules = sm::parse_fault_plan(plan, why);
    if (!rules) {
      err.code = sm::errc::invalid_endpoint;
      err.message = "JANITOR_TEST_FAULTS: " + why;
      return std::nullopt;
    }
    transport = std::make_shared<sm::fault_transport>(transport, std::move(*rules));
  }
  if (!c.record.empty()) {
    s.recording = std::make_shared<sm::cassette>();
    s.recording->plaintext = c.record_plaintext;
    if (!c.record_plaintext) s.recording->redaction_key_hex = sm::random_key_hex();
    s.recording->clock = std::chrono::floor<std::chrono::seconds>(s.now);
    transport = std::make_shared<sm::recording_transport>(
        transport, s.recording,
        c.record_plaintext ? sm::redactor() : sm::redactor(s.recording->redaction_key_hex));
    auto gen = std::make_shared<boost::uuids::random_generator>();
    s.token_source = [gen, cas = s.recording] {
      cas->tokens.push_back(boost::uuids::to_string((*gen)()));
      return cas->tokens.back();
    };
    // Replays run with zero jitter; recording with it too keeps the two runs alike.
    opts.jitter = [] { return 0.0; };
  }
  sm::credential_chain_options creds;
  creds.env = env;
  creds.profile_flag = c.profile;
  creds.files = std::move(files);
  opts.region = settings->region;
  opts.ep = *ep;
  s.client = std::make_unique<sm::secrets_client>(
      ioc.get_executor(), transport, sm::make_default_credentials_chain(ioc.get_executor(), creds), opts);
  s.logger->debug("region {}, endpoint {}", settings->region, ep->url());
  return s;
}

template <class T>
T run_on(asio::io_context& ioc, asio::awaitable<T> op) {
  auto fut = asio::co_spawn(ioc, std::move(op), asio::use_future);
  ioc.run();
  return fut.get();
}

void print_json(const json::value& v) { std::fputs(pretty(v).c_str(), stdout); }

int report_setup_error(const common_flags& c, const sm::error_info& err,
                       const std::vector<std::string>& ids) {
  if (c.output == "json") {
    json::array arr;
    for (const auto& id : ids.empty() ? std::vector<std::string>{""} : ids) {
      engine::write_result r;
      r.secret_id = id;
      r.error = err;
      arr.push_back(write_result_json(r));
    }
    print_json(arr.size() == 1 ? arr[0] : json::value(arr));
  }
  std::fprintf(stderr, "janitor-async: %s\n", err.describe().c_str());
  return exit_failure;
}

// Asks on the terminal (not stdin, which may carry edits). False when there is
// no terminal or the answer is not yes.
enum class answer { yes, no, no_terminal };
answer confirm(const std::string& question) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0 || !::isatty(tty)) {
    if (tty >= 0) ::close(tty);
    return answer::no_terminal;
  }
  const std::string q = question + " [y/N] ";
  (void)!::write(tty, q.data(), q.size());
  std::string line;
  char ch = 0;
  while (::read(tty, &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  ::close(tty);
  return (line == "y" || line == "Y" || line == "yes") ? answer::yes : answer::no;
}

class limited_api final : public engine::secrets_api {
 public:
  limited_api(sm::secrets_client& c, rate_limiter& l) : inner_(c), limiter_(l) {}
  [[nodiscard]] asio::any_io_executor get_executor() const override { return inner_.get_executor(); }
  asio::awaitable<sm::result<sm::secret_value>> read_current(const std::string& id) override {
    co_return co_await inner_.read_current(id);
  }
  asio::awaitable<sm::result<sm::put_secret_value_result>> put_staged(
      const std::string& id, const secure_string& v, const std::string& token,
      const std::vector<std::string>& stages) override {
    co_await limiter_.acquire();
    co_return co_await inner_.put_staged(id, v, token, stages);
  }
  asio::awaitable<sm::result<sm::empty_value>> move_stage(const std::string& id, const std::string& stage,
                                                          const std::string& to,
                                                          const std::string& from) override {
    co_await limiter_.acquire();
    co_return co_await inner_.move_stage(id, stage, to, from);
  }
  asio::awaitable<sm::result<sm::secret_description>> read_stages(const std::string& id) override {
    co_return co_await inner_.read_stages(id);
  }

 private:
  engine::client_api inner_;
  rate_limiter& limiter_;
};

std::optional<std::vector<std::string>> collect_ids(const write_flags& w, std::string& error) {
  std::vector<std::string> ids = w.secret_ids;
  if (!w.secret_ids_file.empty()) {
    auto text = read_all(w.secret_ids_file, 4 << 20, error);
    if (!text) {
      error = "--secret-ids-file: " + error;
      return std::nullopt;
    }
    std::string_view t = text->view();
    while (!t.empty()) {
      auto nl = t.find('\n');
      std::string_view line = t.substr(0, nl);
      t = nl == std::string_view::npos ? std::string_view{} : t.substr(nl + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (!line.empty() && line.front() != '#') ids.emplace_back(line);
    }
  }
  if (ids.empty()) {
    error = "no secret id given";
    return std::nullopt;
  }
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
    error = "a secret id is given more than once";
    return std::nullopt;
  }
  return ids;
}

// After a run: write the cassette, or check the replay used it whole.
int finish_run(const common_flags& c, const session& s, int code) {
  if (auto ferr = s.finish(c)) {
    std::fprintf(stderr, "janitor-async: %s\n", ferr->describe().c_str());
    return worse(code, exit_failure);
  }
  return code;
}

// show / versions / sweep: a failed call, on stderr and (json) stdout.
int report_failure(const common_flags& c, const std::string& id, const sm::error_info& e) {
  std::fprintf(stderr, "janitor-async: %s: %s\n", id.c_str(), e.describe().c_str());
  if (c.output == "json") print_json(json::object{{"secret_id", id}, {"error", error_json(e)}});
  return exit_failure;
}

int usage_error(const common_flags& c, const std::string& message, const std::vector<std::string>& ids = {}) {
  if (c.output == "json") {
    json::object o;
    o["outcome"] = "error";
    o["secret_id"] = ids.size() == 1 ? json::value(ids[0]) : json::value(nullptr);
    json::object e;
    e["code"] = "usage";
    e["message"] = message;
    o["error"] = std::move(e);
    print_json(o);
  }
  std::fprintf(stderr, "janitor-async: %s\n", message.c_str());
  return exit_usage;
}

}  // namespace

int run_write(const common_flags& c, const write_flags& w) {
  std::string error;
  auto ids = collect_ids(w, error);
  if (!ids) return usage_error(c, error);
  auto edits = collect_edits(w.edits, error);
  if (!edits) return usage_error(c, error, *ids);
  if (w.concurrency < 1 || w.max_attempts < 1 || w.max_tps <= 0) {
    return usage_error(c, "--concurrency, --max-attempts and --max-tps must be positive", *ids);
  }

  asio::io_context ioc;
  sm::error_info err;
  auto s = open_session(ioc, c, err);
  if (!s) return report_setup_error(c, err, *ids);
  if (s->redactor.active()) {
    // A redacted cassette holds placeholders: the run works in that domain.
    for (auto& e : *edits) {
      if (e.kind == engine::edit::op::set) e.value.assign(s->redactor.string_placeholder(e.value.view()));
    }
  }

  const bool progress = ids->size() > 1 && ::isatty(STDERR_FILENO);
  // A cassette is a sequence: recorded and replayed runs go one secret at a time.
  const int concurrency = (s->recording || s->replay) ? 1 : w.concurrency;
  const std::size_t n = ids->size();

  // Plan every secret first (one read each): the preview, and the base the write starts from.
  std::vector<engine::write_plan> plans(n);
  {
    engine::client_api api(*s->client);
    std::size_t next_plan = 0;
    std::function<void()> plan_next = [&] {
      if (next_plan >= n) return;
      const std::size_t i = next_plan++;
      asio::co_spawn(ioc, engine::plan_write(api, (*ids)[i], *edits),
                     [&, i](std::exception_ptr e, engine::write_plan p) {
                       plans[i] = std::move(p);
                       if (e) {
                         plans[i].predicted = engine::outcome::error;
                         plans[i].error.code = engine::errc::internal;
                         plans[i].error.message = "internal error while reading";
                       }
                       plan_next();
                     });
    };
    for (int k = 0; k < concurrency; ++k) plan_next();
    ioc.run();
    ioc.restart();
  }

  if (c.output == "text") {
    // The preview on stdout; a secret that cannot be read is reported once, with the results.
    for (std::size_t i = 0; i < n; ++i) {
      if (!plans[i].error.failed()) std::fputs(plan_text((*ids)[i], plans[i], *edits).c_str(), stdout);
    }
    std::fflush(stdout);
  }

  std::size_t to_write = 0;
  for (const auto& p : plans) to_write += p.predicted == engine::outcome::applied ? 1 : 0;

  if (w.dry_run) {
    int code = exit_ok;
    json::array arr;
    for (std::size_t i = 0; i < n; ++i) {
      arr.push_back(dry_run_json((*ids)[i], plans[i]));
      if (plans[i].error.failed()) code = worse(code, exit_failure);
      if (plans[i].predicted == engine::outcome::unsupported) code = worse(code, exit_unsupported);
    }
    if (c.output == "json")
      print_json(n == 1 ? arr[0] : json::value(arr));
    else
      std::printf("dry run: %zu of %zu secret(s) would change; nothing was written\n", to_write, n);
    return finish_run(c, *s, code);
  }

  if (to_write > 0 && !w.yes) {
    const std::string q = "Write " + std::to_string(to_write) + " secret(s)?";
    switch (confirm(q)) {
      case answer::yes:
        break;
      case answer::no:
        return usage_error(c, "not confirmed; nothing was written", *ids);
      case answer::no_terminal:
        return usage_error(
            c, "refusing to write without --yes: no terminal to confirm on; nothing was written", *ids);
    }
  }

  // Write, bounded in concurrency and in mutating calls per second.
  std::vector<engine::write_result> results(n);
  rate_limiter limiter(ioc.get_executor(), w.max_tps);
  limited_api api(*s->client, limiter);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::cancellation_signal cancel_all;
  std::vector<std::unique_ptr<asio::cancellation_signal>> cancels;
  bool interrupted = false;
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    interrupted = true;
    std::fputs("\njanitor-async: interrupted; cleaning up staged versions...\n", stderr);
    for (auto& sig : cancels) sig->emit(asio::cancellation_type::terminal);
  });
  std::size_t next = 0;
  std::size_t finished = 0;
  int counts[5] = {0, 0, 0, 0, 0};
  auto show_progress = [&] {
    if (!progress) return;
    std::fprintf(stderr, "\r[%zu/%zu] applied %d  no change %d  conflict %d  unsupported %d  error %d",
                 finished, n, counts[0], counts[1], counts[2], counts[3], counts[4]);
    if (finished == n) std::fputc('\n', stderr);
  };
  std::function<void()> start_next = [&] {
    if (next >= n || interrupted) return;
    const std::size_t i = next++;
    auto finish = [&, i](engine::write_result r) {
      results[i] = std::move(r);
      ++finished;
      ++counts[static_cast<int>(results[i].result)];
      show_progress();
      start_next();
      if (finished == n || (interrupted && finished == next)) signals.cancel();
    };
    const auto& p = plans[i];
    if (p.predicted != engine::outcome::applied) {
      engine::write_result r;
      r.secret_id = (*ids)[i];
      r.result = p.predicted;
      r.previous_version_id = p.base.version_id;
      r.unsupported_reason = p.unsupported_reason;
      r.error = p.error;
      asio::post(ioc, [finish, r = std::move(r)]() mutable { finish(std::move(r)); });
      return;
    }
    engine::write_options o;
    o.max_attempts = w.max_attempts;
    o.logger = s->logger;
    o.initial_read = plans[i].base;
    if (s->token_source) o.token_source = s->token_source;
    if (s->replay || s->recording) o.jitter = [] { return 0.0; };
    // Test hook (tests/cli, scripts/record-scenarios.sh): a shell command run
    // before the first commit, to play a concurrent writer at that exact step.
    if (const char* cmd = std::getenv("JANITOR_TEST_BEFORE_COMMIT"); cmd != nullptr && *cmd != '\0') {
      const bool every = std::getenv("JANITOR_TEST_BEFORE_EVERY_COMMIT") != nullptr;
      const char* at = std::getenv("JANITOR_TEST_HOOK_STEP");
      o.before_step = [command = std::string(cmd), every, at_step = std::string(at ? at : "commit")](
                          std::string_view step, int attempt) {
        if (step == at_step && (attempt == 1 || every) && std::system(command.c_str()) != 0) {
          std::fputs("janitor-async: the test hook failed\n", stderr);
        }
      };
    }
    cancels.push_back(std::make_unique<asio::cancellation_signal>());
    engine::async_write_secret(
        api, (*ids)[i], *edits, std::move(o),
        asio::bind_cancellation_slot(
            cancels.back()->slot(),
            [finish](boost::system::error_code, engine::write_result r) { finish(std::move(r)); }));
  };
  for (int k = 0; k < concurrency; ++k) start_next();
  ioc.run();
  // Interrupted: the writes that never started count as not written.
  for (std::size_t i = next; i < n; ++i) {
    results[i].secret_id = (*ids)[i];
    results[i].error.code = engine::errc::cancelled;
    results[i].error.message = "interrupted before this secret was written";
  }
  for (auto& p : plans) p.base = {};  // drop the values read, now

  int code = exit_ok;
  json::array arr;
  for (const auto& r : results) {
    code = worse(code, exit_code_for(r.result));
    if (c.output == "json")
      arr.push_back(write_result_json(r));
    else
      std::fputs(write_result_text(r).c_str(), r.result == engine::outcome::error ? stderr : stdout);
  }
  if (c.output == "json") print_json(n == 1 ? arr[0] : json::value(arr));
  if (interrupted && next < n) code = worse(code, exit_failure);
  code = finish_run(c, *s, code);
  return code;
}

// show / versions: one read-only command on one secret in its own session.
// `op` takes the session by pointer (coroutine parameters stay by value).
template <class Op>
int run_read_command(const common_flags& c, const std::string& id, Op op) {
  asio::io_context ioc;
  sm::error_info err;
  auto s = open_session(ioc, c, err);
  if (!s) return report_setup_error(c, err, {id});
  const int code = run_on(ioc, op(&*s));
  return finish_run(c, *s, code);
}

int run_show(const common_flags& c, const std::string& id) {
  return run_read_command(c, id, [&](session* s) -> asio::awaitable<int> {
    auto v = co_await s->client->get_secret_value(id);
    if (!v.ok()) {
      co_return report_failure(c, id, v.error);
    }
    auto d = co_await s->client->describe_secret(id);
    if (c.output == "json")
      print_json(show_json(id, v.value, d.value));
    else
      std::fputs(show_text(id, v.value, d.value).c_str(), stdout);
    co_return exit_ok;
  });
}

int run_versions(const common_flags& c, const std::string& id) {
  return run_read_command(c, id, [&](session* s) -> asio::awaitable<int> {
    auto v = co_await s->client->list_secret_version_ids(id);
    if (!v.ok()) {
      co_return report_failure(c, id, v.error);
    }
    std::sort(v.value.begin(), v.value.end(), [](const auto& a, const auto& b) {
      return a.created_date.value_or(0) < b.created_date.value_or(0);
    });
    if (c.output == "json")
      print_json(versions_json(id, v.value));
    else
      std::fputs(versions_text(id, v.value).c_str(), stdout);
    co_return exit_ok;
  });
}

int run_sweep(const common_flags& c, const sweep_flags& f) {
  asio::io_context ioc;
  sm::error_info err;
  auto s = open_session(ioc, c, err);
  if (!s) return report_setup_error(c, err, {f.secret_id});
  auto plan = run_on(
      ioc, engine::plan_sweep(*s->client, f.secret_id, s->now, std::chrono::minutes(f.min_age_minutes)));
  ioc.restart();
  if (plan.error.failed()) return report_failure(c, f.secret_id, plan.error);
  std::size_t removable = 0;
  for (const auto& p : plan.labels) {
    const bool skip = p.recent && !f.force;
    removable += skip ? 0 : 1;
    if (c.output == "text") {
      std::printf("%s %s on version %s%s\n", skip ? "keep  " : "remove", p.label.c_str(),
                  p.version_id.c_str(),
                  skip ? " (made in the last minutes: a write may be in progress; --force to remove)" : "");
    }
  }
  auto emit = [&](const engine::sweep_result& r, bool dry) {
    if (c.output == "json") {
      json::object o{{"secret_id", f.secret_id}, {"dry_run", dry}};
      json::array removed, skipped, failed;
      for (const auto& l : r.removed) removed.emplace_back(l);
      for (const auto& l : r.skipped) skipped.emplace_back(l);
      for (const auto& [l, e] : r.failed)
        failed.push_back(json::object{{"label", l}, {"error", error_json(e)}});
      o["removed"] = std::move(removed);
      o["skipped"] = std::move(skipped);
      o["failed"] = std::move(failed);
      print_json(o);
    } else {
      std::printf("%s%zu label(s) removed, %zu kept, %zu failed\n", dry ? "dry run: " : "", r.removed.size(),
                  r.skipped.size(), r.failed.size());
      for (const auto& [l, e] : r.failed) std::printf("  %s: %s\n", l.c_str(), e.describe().c_str());
    }
  };
  if (removable == 0 || f.dry_run) {
    engine::sweep_result preview;
    for (const auto& p : plan.labels)
      (p.recent && !f.force ? preview.skipped : preview.removed).push_back(p.label);
    if (!f.dry_run) preview.removed.clear();
    if (c.output == "text" && plan.labels.empty())
      std::printf("%s: no janitor-pending labels\n", f.secret_id.c_str());
    emit(preview, f.dry_run);
    return exit_ok;
  }
  if (!f.yes) {
    switch (confirm("Remove " + std::to_string(removable) + " label(s)?")) {
      case answer::yes:
        break;
      case answer::no:
        return usage_error(c, "not confirmed; nothing was removed");
      case answer::no_terminal:
        return usage_error(c, "refusing to remove labels without --yes: no terminal to confirm on");
    }
  }
  auto result = run_on(ioc, engine::run_sweep(*s->client, f.secret_id, std::move(plan), f.force));
  emit(result, false);
  int code = result.failed.empty() ? exit_ok : exit_failure;
  code = finish_run(c, *s, code);
  return code;
}

}  // namespace janitor::cli
