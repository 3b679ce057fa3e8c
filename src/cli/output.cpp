#include "output.hpp"

#include <janitor/sm_client/secure_json.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <sstream>

namespace janitor::cli {
namespace json = boost::json;

namespace {

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

const char* sm_code_name(sm::errc e) {
  switch (e) {
    case sm::errc::ok:
      return "ok";
    case sm::errc::resource_not_found:
      return "resource_not_found";
    case sm::errc::access_denied:
      return "access_denied";
    case sm::errc::invalid_parameter:
      return "invalid_parameter";
    case sm::errc::invalid_request:
      return "invalid_request";
    case sm::errc::limit_exceeded:
      return "limit_exceeded";
    case sm::errc::decryption_failure:
      return "decryption_failure";
    case sm::errc::throttling:
      return "throttling";
    case sm::errc::internal_error:
      return "internal_error";
    case sm::errc::signature_invalid:
      return "signature_invalid";
    case sm::errc::signature_expired:
      return "signature_expired";
    case sm::errc::resource_exists:
      return "resource_exists";
    case sm::errc::service_error:
      return "service_error";
    case sm::errc::network:
      return "network";
    case sm::errc::timeout:
      return "timeout";
    case sm::errc::tls:
      return "tls";
    case sm::errc::malformed_response:
      return "malformed_response";
    case sm::errc::response_too_large:
      return "response_too_large";
    case sm::errc::cancelled:
      return "cancelled";
    case sm::errc::replay_mismatch:
      return "replay_mismatch";
    case sm::errc::invalid_cassette:
      return "invalid_cassette";
    case sm::errc::no_credentials:
      return "no_credentials";
    case sm::errc::invalid_credentials_file:
      return "invalid_credentials_file";
    case sm::errc::invalid_endpoint:
      return "invalid_endpoint";
    case sm::errc::invalid_region:
      return "invalid_region";
    case sm::errc::request_too_large:
      return "request_too_large";
  }
  return "error";
}

const char* engine_code_name(engine::errc e) {
  switch (e) {
    case engine::errc::ok:
      return "ok";
    case engine::errc::invalid_edits:
      return "invalid_edits";
    case engine::errc::secret_too_large:
      return "secret_too_large";
    case engine::errc::no_current_value:
      return "no_current_value";
    case engine::errc::commit_unknown:
      return "commit_unknown";
    case engine::errc::label_quota:
      return "label_quota";
    case engine::errc::cancelled:
      return "cancelled";
    case engine::errc::internal:
      return "internal";
  }
  return "error";
}

const char* kind_name(engine::value_kind k) {
  switch (k) {
    case engine::value_kind::string:
      return "string";
    case engine::value_kind::number:
      return "number";
    case engine::value_kind::boolean:
      return "boolean";
    case engine::value_kind::null:
      return "null";
  }
  return "?";
}

bool is_pending(const std::string& s) { return s.starts_with(engine::pending_label_prefix); }

void pretty_into(std::ostringstream& os, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string pad_in(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) {
      os << "{}";
      return;
    }
    os << "{\n";
    std::size_t i = 0;
    for (const auto& [k, val] : o) {
      os << pad_in << json::serialize(json::string(k)) << ": ";
      pretty_into(os, val, indent + 1);
      os << (++i < o.size() ? ",\n" : "\n");
    }
    os << pad << "}";
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) {
      os << "[]";
      return;
    }
    const bool scalars =
        std::all_of(a.begin(), a.end(), [](const json::value& e) { return !e.is_structured(); });
    if (scalars) {
      os << json::serialize(v);
      return;
    }
    os << "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      os << pad_in;
      pretty_into(os, a[i], indent + 1);
      os << (i + 1 < a.size() ? ",\n" : "\n");
    }
    os << pad << "]";
  } else {
    os << json::serialize(v);
  }
}

}  // namespace

std::string pretty(const json::value& v) {
  std::ostringstream os;
  pretty_into(os, v, 0);
  os << "\n";
  return os.str();
}

int exit_code_for(engine::outcome o) {
  switch (o) {
    case engine::outcome::applied:
    case engine::outcome::noop:
      return exit_ok;
    case engine::outcome::conflict:
      return exit_conflict;
    case engine::outcome::unsupported:
      return exit_unsupported;
    case engine::outcome::error:
      return exit_failure;
  }
  return exit_failure;
}

int worse(int a, int b) {
  auto rank = [](int c) {
    switch (c) {
      case exit_ok:
        return 0;
      case exit_conflict:
        return 1;
      case exit_unsupported:
        return 2;
      case exit_usage:
        return 4;
      default:
        return 3;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

std::string error_code_name(const sm::error_info& e) {
  if (!e.service_code.empty()) return e.service_code;
  if (e.code.category() == sm::error_category()) return sm_code_name(static_cast<sm::errc>(e.code.value()));
  if (e.code.category() == engine::error_category())
    return engine_code_name(static_cast<engine::errc>(e.code.value()));
  return "error";
}

json::value error_json(const sm::error_info& e) {
  if (!e.failed()) return nullptr;
  json::object o;
  o["code"] = error_code_name(e);
  o["message"] = e.describe();
  return o;
}

json::object write_result_json(const engine::write_result& r) {
  json::object o;
  o["outcome"] = engine::to_string(r.result);
  o["secret_id"] = r.secret_id;
  o["version_id"] = r.version_id.empty() ? json::value(nullptr) : json::value(r.version_id);
  o["previous_version_id"] =
      r.previous_version_id.empty() ? json::value(nullptr) : json::value(r.previous_version_id);
  o["attempts"] = r.attempts;
  o["added"] = to_array(r.added);
  o["changed"] = to_array(r.changed);
  o["removed"] = to_array(r.removed);
  o["conflicting_keys"] = to_array(r.conflicting_keys);
  o["persistent_contention"] = r.persistent_contention;
  o["pending_label_left"] = r.pending_label_left;
  if (r.result == engine::outcome::unsupported) o["unsupported_reason"] = r.unsupported_reason;
  o["warnings"] = to_array(r.warnings);
  o["error"] = error_json(r.error);
  return o;
}

json::object dry_run_json(const std::string& id, const engine::write_plan& p) {
  json::object o;
  o["outcome"] = p.predicted == engine::outcome::applied ? "dry_run" : engine::to_string(p.predicted);
  o["dry_run"] = true;
  o["secret_id"] = id;
  o["version_id"] = nullptr;
  o["previous_version_id"] =
      p.base.version_id.empty() ? json::value(nullptr) : json::value(p.base.version_id);
  o["attempts"] = 0;
  o["added"] = to_array(p.summary.added);
  o["changed"] = to_array(p.summary.changed);
  o["removed"] = to_array(p.summary.removed);
  o["conflicting_keys"] = json::array();
  o["pending_label_left"] = false;
  if (p.predicted == engine::outcome::unsupported) o["unsupported_reason"] = p.unsupported_reason;
  o["error"] = error_json(p.error);
  return o;
}

std::string write_result_text(const engine::write_result& r) {
  std::ostringstream os;
  switch (r.result) {
    case engine::outcome::applied:
      os << "applied: " << r.secret_id << " is now version " << r.version_id << " (was "
         << r.previous_version_id << ", " << r.attempts << (r.attempts == 1 ? " attempt" : " attempts")
         << ")\n";
      if (!r.added.empty()) os << "  added:   " << join(r.added) << "\n";
      if (!r.changed.empty()) os << "  changed: " << join(r.changed) << "\n";
      if (!r.removed.empty()) os << "  removed: " << join(r.removed) << "\n";
      break;
    case engine::outcome::noop:
      os << "no change: " << r.secret_id << " already holds these values (version " << r.previous_version_id
         << "); nothing was written\n";
      break;
    case engine::outcome::conflict:
      if (r.persistent_contention) {
        os << "conflict: " << r.secret_id << " kept changing under other writers; gave up after "
           << r.attempts << " attempts. Nothing was written. Try again later.\n";
      } else {
        os << "conflict: " << r.secret_id << ": " << join(r.conflicting_keys)
           << (r.conflicting_keys.size() == 1 ? " was" : " were")
           << " changed by someone else since it was read (now version " << r.previous_version_id
           << "). Nothing was written.\n  Look again (janitor-async show " << r.secret_id
           << ") and repeat the edit if it is still right.\n";
      }
      break;
    case engine::outcome::unsupported:
      os << "unsupported: " << r.secret_id << ": " << r.unsupported_reason << ". Nothing was written.\n";
      break;
    case engine::outcome::error:
      os << "error: " << r.secret_id << ": " << r.error.describe() << "\n";
      break;
  }
  if (r.pending_label_left) {
    os << "  note: the label " << r.pending_label << " was left on a version; run: janitor-async sweep "
       << r.secret_id << "\n";
  }
  for (const auto& w : r.warnings) os << "  warning: " << w << "\n";
  return os.str();
}

std::string plan_text(const std::string& id, const engine::write_plan& p,
                      const std::vector<engine::edit>& edits) {
  std::ostringstream os;
  if (p.error.failed()) {
    os << id << ": " << p.error.describe() << "\n";
    return os.str();
  }
  if (p.predicted == engine::outcome::unsupported) {
    os << id << ": unsupported: " << p.unsupported_reason << "\n";
    return os.str();
  }
  os << id << " (version " << p.base.version_id << ", " << p.current_size << " -> " << p.new_size
     << " bytes)\n";
  for (const auto& k : p.summary.added) {
    std::size_t len = 0;
    for (const auto& e : edits) {
      if (e.key == k) len = e.value.size();
    }
    os << "  + " << k << "  (" << len << " bytes)\n";
  }
  for (const auto& c : p.summary.changed_lengths) {
    os << "  ~ " << c.key << "  (" << c.old_length << " -> " << c.new_length << " bytes)\n";
  }
  for (const auto& k : p.summary.removed) os << "  - " << k << "\n";
  os << "  = " << p.summary.untouched << " untouched\n";
  if (p.predicted == engine::outcome::noop) os << "  (no change: nothing to write)\n";
  return os.str();
}

std::string format_epoch(double seconds) {
  const auto t = std::chrono::sys_seconds{std::chrono::seconds{static_cast<long long>(seconds)}};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<std::chrono::seconds> hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

json::object show_json(const std::string& id, const sm::secret_value& v, const sm::secret_description& d) {
  json::object o;
  o["secret_id"] = id;
  o["name"] = v.name;
  o["version_id"] = v.version_id;
  o["stages"] = to_array(v.version_stages);
  o["rotation_enabled"] = d.rotation_enabled;
  if (v.has_binary || !v.secret_string) {
    o["binary"] = true;
    return o;
  }
  o["size"] = v.secret_string->size();
  std::string why;
  auto doc = engine::flat_document::parse(v.secret_string->view(), why);
  if (!doc) {
    o["unsupported_reason"] = why;
    return o;
  }
  json::array keys;
  for (const auto& e : doc->entries()) {
    json::object k;
    k["key"] = e.key;
    k["type"] = kind_name(e.kind);
    k["length"] = doc->decoded_value(e).size();
    keys.push_back(std::move(k));
  }
  o["keys"] = std::move(keys);
  return o;
}

std::string show_text(const std::string& id, const sm::secret_value& v, const sm::secret_description& d) {
  std::ostringstream os;
  os << id << "\n  version " << v.version_id << "  [" << join(v.version_stages) << "]\n";
  if (d.rotation_enabled) os << "  rotation enabled\n";
  if (v.has_binary || !v.secret_string) {
    os << "  SecretBinary (not editable by janitor-async)\n";
    return os.str();
  }
  std::string why;
  auto doc = engine::flat_document::parse(v.secret_string->view(), why);
  if (!doc) {
    os << "  " << v.secret_string->size() << " bytes; not editable: " << why << "\n";
    return os.str();
  }
  os << "  " << v.secret_string->size() << " bytes, " << doc->entries().size() << " keys (values masked)\n";
  std::size_t width = 0;
  for (const auto& e : doc->entries()) width = std::max(width, e.key.size());
  for (const auto& e : doc->entries()) {
    os << "  " << e.key << std::string(width - e.key.size() + 2, ' ') << kind_name(e.kind) << "  "
       << doc->decoded_value(e).size() << " bytes\n";
  }
  for (const auto& [version, stages] : d.version_ids_to_stages) {
    for (const auto& s : stages) {
      if (s == "AWSPENDING" && version != v.version_id)
        os << "  warning: a rotation is in progress (AWSPENDING)\n";
      if (is_pending(s))
        os << "  note: " << s << " on version " << version << " (see: janitor-async versions)\n";
    }
  }
  return os.str();
}

json::object versions_json(const std::string& id, const std::vector<sm::version_entry>& versions) {
  json::object o;
  o["secret_id"] = id;
  json::array arr;
  for (const auto& v : versions) {
    json::object e;
    e["version_id"] = v.version_id;
    e["created"] = v.created_date ? json::value(format_epoch(*v.created_date)) : json::value(nullptr);
    e["stages"] = to_array(v.version_stages);
    json::array pending;
    for (const auto& s : v.version_stages) {
      if (is_pending(s)) pending.emplace_back(s);
    }
    e["pending_labels"] = std::move(pending);
    arr.push_back(std::move(e));
  }
  o["versions"] = std::move(arr);
  return o;
}

std::string versions_text(const std::string& id, const std::vector<sm::version_entry>& versions) {
  std::ostringstream os;
  os << id << ": " << versions.size() << (versions.size() == 1 ? " version\n" : " versions\n");
  int pending = 0;
  for (const auto& v : versions) {
    os << "  " << v.version_id << "  " << (v.created_date ? format_epoch(*v.created_date) : std::string("-"))
       << "  " << (v.version_stages.empty() ? std::string("(no labels)") : join(v.version_stages)) << "\n";
    for (const auto& s : v.version_stages) pending += is_pending(s) ? 1 : 0;
  }
  if (pending > 0) {
    os << "  " << pending
       << " janitor-pending label(s): left by an interrupted write unless one is running now; "
       << "remove with: janitor-async sweep " << id << "\n";
  }
  return os.str();
}

}  // namespace janitor::cli
