#include "fake_secrets.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace janitor::test {
namespace asio = boost::asio;

namespace {
sm::error_info error(sm::errc code, std::string message) {
  sm::error_info e;
  e.code = code;
  e.message = std::move(message);
  return e;
}
}  // namespace

std::string fake_secrets::create(const std::string& id, const std::string& value, bool binary) {
  const std::string v = "00000000-0000-4000-8000-" + std::to_string(100000000000 + ++order_);
  auto& s = secrets_[id];
  s.versions[v] = fake_version{value, binary, {"AWSCURRENT"}, order_};
  return v;
}

std::string fake_secrets::teammate_write(const std::string& id, const std::string& value) {
  const std::string v = "teammate-0000-4000-8000-" + std::to_string(100000000000 + ++order_);
  const std::string base = current_id(id);
  if (put(id, value, v, {"teammate-pending"}).failed()) throw std::logic_error("teammate put failed");
  if (move(id, "AWSCURRENT", v, base).failed()) throw std::logic_error("teammate move failed");
  move(id, "teammate-pending", "", v);
  return v;
}

std::string fake_secrets::current_id(const std::string& id) const {
  for (const auto& [vid, v] : secrets_.at(id).versions) {
    if (v.stages.count("AWSCURRENT")) return vid;
  }
  return {};
}

std::string fake_secrets::current_value(const std::string& id) const {
  return secrets_.at(id).versions.at(current_id(id)).value;
}

const std::map<std::string, fake_version>& fake_secrets::versions(const std::string& id) const {
  return secrets_.at(id).versions;
}

std::vector<std::string> fake_secrets::pending_labels(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& [vid, v] : secrets_.at(id).versions) {
    for (const auto& s : v.stages) {
      if (s.starts_with("janitor-pending-")) out.push_back(s);
    }
  }
  return out;
}

sm::error_info fake_secrets::put(const std::string& id, const std::string& value, const std::string& token,
                                 const std::vector<std::string>& stages) {
  auto it = secrets_.find(id);
  if (it == secrets_.end()) return error(sm::errc::resource_not_found, "no such secret");
  auto& versions = it->second.versions;
  if (auto v = versions.find(token); v != versions.end()) {
    // Same token, same value: the service ignores the repeat.
    if (v->second.value == value) return {};
    return error(sm::errc::resource_exists, "token in use for another value");
  }
  for (auto& [vid, v] : versions) {
    for (const auto& s : stages) v.stages.erase(s);
  }
  versions[token] = fake_version{value, false, {stages.begin(), stages.end()}, ++order_};
  return {};
}

sm::error_info fake_secrets::move(const std::string& id, const std::string& stage, const std::string& to,
                                  const std::string& from) {
  auto it = secrets_.find(id);
  if (it == secrets_.end()) return error(sm::errc::resource_not_found, "no such secret");
  auto& versions = it->second.versions;
  if (!from.empty()) {
    auto f = versions.find(from);
    if (f == versions.end() || !f->second.stages.count(stage)) {
      return error(sm::errc::invalid_parameter, "Version stage " + stage + " not found in version " + from);
    }
  }
  if (!to.empty() && !versions.count(to)) return error(sm::errc::invalid_parameter, "no such version");
  if (!to.empty()) {
    for (auto& [vid, v] : versions) {
      if (vid != from && vid != to && v.stages.count(stage)) {
        return error(sm::errc::invalid_parameter,
                     "stage is on another version: name it in RemoveFromVersionId");
      }
    }
  }
  if (!from.empty()) versions[from].stages.erase(stage);
  if (!to.empty()) versions[to].stages.insert(stage);
  if (stage == "AWSCURRENT" && !to.empty()) {
    ++moves_[id];
    for (auto& [vid, v] : versions) v.stages.erase("AWSPREVIOUS");
    if (!from.empty()) versions[from].stages.insert("AWSPREVIOUS");
  }
  return {};
}

asio::awaitable<bool> fake_secrets::begin_call(const std::string& op) {
  const int n = counts_[op]++;
  if (before) before(op, n);
  if (latency.count() > 0) {
    asio::steady_timer t(ex_, latency);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      co_return false;
  }
  co_return true;
}

std::optional<fake_fault> fake_secrets::take_fault(const std::string& op) {
  auto it = faults.find(op);
  if (it == faults.end() || it->second.empty()) return std::nullopt;
  auto f = it->second.front();
  it->second.pop_front();
  return f;
}

asio::awaitable<sm::error_info> fake_secrets::enter(std::string op, std::optional<fake_fault>* late) {
  if (!co_await begin_call(op)) co_return error(sm::errc::cancelled, "cancelled");
  auto f = take_fault(op);
  if (f && (late == nullptr || f->what == fake_fault::kind::refuse)) co_return error(f->code, "injected");
  if (late != nullptr) *late = std::move(f);
  co_return sm::error_info{};
}

namespace {
// A fault that let the call act: the response is lost, so the caller cannot tell.
void lose_response(sm::error_info& e, const std::optional<fake_fault>& late) {
  if (!late) return;
  e = error(late->code, "injected after acting");
  e.maybe_applied = true;
}
}  // namespace

asio::awaitable<sm::result<sm::secret_value>> fake_secrets::read_current(const std::string& secret_id) {
  calls.push_back("GetSecretValue");
  sm::result<sm::secret_value> r;
  r.error = co_await enter("GetSecretValue", nullptr);
  if (r.error.failed()) co_return r;
  auto it = secrets_.find(secret_id);
  if (it == secrets_.end()) {
    r.error = error(sm::errc::resource_not_found, "no such secret");
    co_return r;
  }
  const std::string cur = current_id(secret_id);
  if (cur.empty()) {
    r.error = error(sm::errc::resource_not_found, "no value for AWSCURRENT");
    co_return r;
  }
  const auto& v = it->second.versions.at(cur);
  r.value.name = secret_id;
  r.value.version_id = cur;
  r.value.version_stages.assign(v.stages.begin(), v.stages.end());
  r.value.has_binary = v.binary;
  if (!v.binary) r.value.secret_string.emplace(v.value);
  co_return r;
}

asio::awaitable<sm::result<sm::put_secret_value_result>> fake_secrets::put_staged(
    const std::string& secret_id, const secure_string& value, const std::string& token,
    const std::vector<std::string>& stages) {
  calls.push_back("PutSecretValue");
  sm::result<sm::put_secret_value_result> r;
  std::optional<fake_fault> late;
  r.error = co_await enter("PutSecretValue", &late);
  if (r.error.failed()) co_return r;
  r.error = put(secret_id, std::string(value.view()), token, stages);
  lose_response(r.error, late);
  r.value.version_id = token;
  co_return r;
}

asio::awaitable<sm::result<sm::empty_value>> fake_secrets::move_stage(const std::string& secret_id,
                                                                      const std::string& stage,
                                                                      const std::string& move_to,
                                                                      const std::string& remove_from) {
  calls.push_back(move_to.empty() ? "Remove " + stage : "Move " + stage);
  sm::result<sm::empty_value> r;
  std::optional<fake_fault> late;
  r.error = co_await enter("UpdateSecretVersionStage", &late);
  if (r.error.failed()) co_return r;
  r.error = move(secret_id, stage, move_to, remove_from);
  lose_response(r.error, late);
  co_return r;
}

asio::awaitable<sm::result<sm::secret_description>> fake_secrets::read_stages(const std::string& secret_id) {
  calls.push_back("DescribeSecret");
  sm::result<sm::secret_description> r;
  r.error = co_await enter("DescribeSecret", nullptr);
  if (r.error.failed()) co_return r;
  auto it = secrets_.find(secret_id);
  if (it == secrets_.end()) {
    r.error = error(sm::errc::resource_not_found, "no such secret");
    co_return r;
  }
  for (const auto& [vid, v] : it->second.versions) {
    r.value.version_ids_to_stages[vid].assign(v.stages.begin(), v.stages.end());
  }
  co_return r;
}

}  // namespace janitor::test
