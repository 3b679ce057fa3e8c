#include <janitor/engine/sweep.hpp>

namespace janitor::engine {

boost::asio::awaitable<sweep_plan> plan_sweep(sm::secrets_client& client, std::string secret_id,
                                              std::chrono::system_clock::time_point now,
                                              std::chrono::seconds min_age) {
  sweep_plan plan;
  auto versions = co_await client.list_secret_version_ids(secret_id);
  if (!versions.ok()) {
    plan.error = std::move(versions.error);
    co_return plan;
  }
  const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
  for (const auto& v : versions.value) {
    for (const auto& s : v.version_stages) {
      if (!s.starts_with(pending_label_prefix)) continue;
      pending_label p{s, v.version_id, v.version_stages, v.created_date, false};
      // min_age 0 means "any age": a server clock a little ahead must not make a label look new.
      p.recent = min_age.count() > 0 && v.created_date &&
                 now_s - *v.created_date < static_cast<double>(min_age.count());
      plan.labels.push_back(std::move(p));
    }
  }
  co_return plan;
}

boost::asio::awaitable<sweep_result> run_sweep(sm::secrets_client& client, std::string secret_id,
                                               sweep_plan plan, bool force) {
  sweep_result out;
  for (const auto& p : plan.labels) {
    if (p.recent && !force) {
      out.skipped.push_back(p.label);
      continue;
    }
    auto r = co_await client.update_secret_version_stage(secret_id, p.label, "", p.version_id);
    if (r.ok()) {
      out.removed.push_back(p.label);
    } else {
      out.failed.emplace_back(p.label, std::move(r.error));
    }
  }
  co_return out;
}

}  // namespace janitor::engine
