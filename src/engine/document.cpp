#include <janitor/engine/document.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <unordered_set>

namespace janitor::engine {
namespace {

namespace json = boost::json;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_ws(std::string_view t, std::size_t i) {
  while (i < t.size() && is_ws(t[i])) ++i;
  return i;
}

// One past the closing quote of the string literal starting at `i`.
std::size_t end_of_string(std::string_view t, std::size_t i) {
  ++i;
  while (i < t.size() && t[i] != '"') i += t[i] == '\\' ? 2 : 1;
  return i + 1;
}

std::size_t end_of_scalar(std::string_view t, std::size_t i) {
  while (i < t.size() && !is_ws(t[i]) && t[i] != ',' && t[i] != '}') ++i;
  return i;
}

const char* kind_name(json::kind k) {
  switch (k) {
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
    case json::kind::string:
      return "a string";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::null:
      return "null";
    default:
      return "a number";
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0)
      n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      n = 3, cp = c & 0x07;
    else
      return false;
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::optional<std::string> validate_edits(const std::vector<edit>& edits) {
  if (edits.empty()) return "no edits given";
  std::unordered_set<std::string> seen;
  for (const auto& e : edits) {
    if (e.key.empty()) return "an edit has an empty key";
    if (!is_valid_utf8(e.key)) return "a key is not valid UTF-8";
    for (char c : e.key) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return "the key " + json::serialize(json::string(e.key)) + " contains a control character";
    }
    if (!seen.insert(e.key).second)
      return "the key " + json::serialize(json::string(e.key)) + " is edited more than once";
    if (e.kind == edit::op::set && !is_valid_utf8(e.value.view())) {
      return "the new value of " + json::serialize(json::string(e.key)) + " is not valid UTF-8";
    }
  }
  return std::nullopt;
}

std::optional<flat_document> flat_document::parse(std::string_view text, std::string& reason) {
  boost::system::error_code ec;
  const json::kind top = sm::validate_json(text, ec);
  if (ec) {
    reason = "the secret is not valid JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  if (top != json::kind::object) {
    reason = std::string("the secret is ") + kind_name(top) + ", not a JSON object";
    return std::nullopt;
  }

  flat_document doc;
  doc.text_.assign(text);
  std::size_t i = skip_ws(text, 0) + 1;  // past '{' (validated above)
  i = skip_ws(text, i);
  if (text[i] == '}') return doc;
  for (;;) {
    entry e;
    e.member_begin = i;
    e.key_end = end_of_string(text, i);
    const std::string_view raw_key = text.substr(i + 1, e.key_end - i - 2);
    if (raw_key.find('\\') == std::string_view::npos) {
      e.key = raw_key;  // no escapes: the bytes are the key (validated as JSON above)
    } else {
      const json::value key = sm::parse_secure_json(text.substr(i, e.key_end - i), ec);
      e.key = std::string(key.as_string());
    }
    i = skip_ws(text, skip_ws(text, e.key_end) + 1);  // past ':'
    e.value_begin = i;
    switch (text[i]) {
      case '"':
        e.kind = value_kind::string;
        e.value_end = end_of_string(text, i);
        break;
      case '{':
      case '[':
        reason = "the value of " + json::serialize(json::string(e.key)) + " is " +
                 (text[i] == '{' ? "an object" : "an array") +
                 ": only flat objects of strings, numbers, booleans and null are editable";
        return std::nullopt;
      case 't':
      case 'f':
        e.kind = value_kind::boolean;
        e.value_end = end_of_scalar(text, i);
        break;
      case 'n':
        e.kind = value_kind::null;
        e.value_end = end_of_scalar(text, i);
        break;
      default:
        e.kind = value_kind::number;
        e.value_end = end_of_scalar(text, i);
        break;
    }
    i = skip_ws(text, e.value_end);
    doc.entries_.push_back(std::move(e));
    if (text[i] == '}') break;
    i = skip_ws(text, i + 1);  // past ','
  }
  // Duplicate keys: sorted views (no hashing, no copies of the keys); the
  // message names the first repeat in document order.
  std::vector<std::string_view> sorted;
  sorted.reserve(doc.entries_.size());
  for (const auto& e : doc.entries_) sorted.push_back(e.key);
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    std::unordered_set<std::string_view> seen;
    for (const auto& e : doc.entries_) {
      if (!seen.insert(e.key).second) {
        reason = "the key " + json::serialize(json::string(e.key)) + " appears more than once";
        return std::nullopt;
      }
    }
  }
  return doc;
}

const entry* flat_document::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

secure_string flat_document::decoded_value(const entry& e) const {
  if (e.kind != value_kind::string) return secure_string(raw_value(e));
  const std::string_view inner = raw_value(e).substr(1, raw_value(e).size() - 2);
  if (inner.find('\\') == std::string_view::npos) return secure_string(inner);
  boost::system::error_code ec;
  const json::value v = sm::parse_secure_json(raw_value(e), ec);
  return secure_string(std::string_view(v.as_string()));
}

secure_string flat_document::apply(const std::vector<edit>& edits, change_summary* summary) const {
  const std::string_view t = text();
  change_summary local;
  change_summary& sum = summary != nullptr ? *summary : local;
  sum = {};

  // What happens to each original entry, and what is new.
  std::vector<const edit*> edit_of(entries_.size(), nullptr);
  std::vector<const edit*> added;
  for (const auto& ed : edits) {
    const entry* e = find(ed.key);
    if (e == nullptr) {
      if (ed.kind == edit::op::set) {
        added.push_back(&ed);
        sum.added.push_back(ed.key);
      }
      continue;
    }
    const std::size_t idx = static_cast<std::size_t>(e - entries_.data());
    if (ed.kind == edit::op::remove) {
      edit_of[idx] = &ed;
      sum.removed.push_back(ed.key);
    } else if (e->kind != value_kind::string || decoded_value(*e).view() != ed.value.view()) {
      edit_of[idx] = &ed;
      sum.changed.push_back(ed.key);
      sum.changed_lengths.push_back({ed.key, decoded_value(*e).size(), ed.value.size()});
    }
  }

  secure_string out;
  out.reserve(t.size() + 64);
  const std::size_t n = entries_.size();
  if (n == 0) {
    // "{" + whitespace + "}": new members go right after the brace.
    const std::size_t brace = skip_ws(t, 0);
    out.append(t.substr(0, brace + 1));
    for (std::size_t k = 0; k < added.size(); ++k) {
      if (k > 0) out.append(",");
      sm::append_json_string(out, added[k]->key);
      out.append(":");
      sm::append_json_string(out, added[k]->value.view());
    }
    out.append(t.substr(brace + 1));
    sum.untouched = 0;
    return out;
  }

  // Layout to copy for new members: the separator between the last two
  // entries (or the brace's), and the key/value spacing of the last entry.
  const entry& last = entries_.back();
  std::string separator;
  if (n >= 2) {
    separator =
        std::string(t.substr(entries_[n - 2].value_end, last.member_begin - entries_[n - 2].value_end));
  } else {
    const std::size_t brace = skip_ws(t, 0);
    separator = "," + std::string(t.substr(brace + 1, entries_[0].member_begin - brace - 1));
  }
  const std::string_view kv_spacing = t.substr(last.key_end, last.value_begin - last.key_end);

  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < n; ++i) {
    if (edit_of[i] == nullptr || edit_of[i]->kind == edit::op::set) kept.push_back(i);
    if (edit_of[i] == nullptr) ++sum.untouched;
  }

  if (kept.empty() && added.empty()) {
    const std::size_t brace = skip_ws(t, 0);
    out.append(t.substr(0, brace + 1));
    out.append(t.substr(last.value_end));
    return out;
  }

  out.append(t.substr(0, entries_[0].member_begin));
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const entry& e = entries_[kept[k]];
    if (edit_of[kept[k]] != nullptr) {
      out.append(t.substr(e.member_begin, e.value_begin - e.member_begin));
      sm::append_json_string(out, edit_of[kept[k]]->value.view());
    } else {
      out.append(t.substr(e.member_begin, e.value_end - e.member_begin));
    }
    // Between two kept entries: the separator that followed the first one.
    if (k + 1 < kept.size()) {
      const std::size_t next = kept[k] + 1;
      out.append(t.substr(e.value_end, entries_[next].member_begin - e.value_end));
    }
  }
  for (std::size_t k = 0; k < added.size(); ++k) {
    if (!kept.empty() || k > 0) out.append(separator);
    sm::append_json_string(out, added[k]->key);
    out.append(kv_spacing);
    sm::append_json_string(out, added[k]->value.view());
  }
  out.append(t.substr(last.value_end));
  return out;
}

}  // namespace janitor::engine
