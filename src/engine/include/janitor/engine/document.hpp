#pragma once

// A flat JSON object, edited in its own text. Untouched entries keep every
// byte (key spelling, escapes, number spelling, the whitespace around them):
// a parse-and-serialize round trip would turn 1.0 into 1E0 and 1e400 into
// Infinity, corrupting a teammate's entries.

#include <janitor/sigv4/secure_string.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace janitor::engine {

enum class value_kind { string, number, boolean, null };

struct entry {
  std::string key;  // decoded
  value_kind kind = value_kind::null;
  std::size_t member_begin = 0;  // first byte of the key literal
  std::size_t key_end = 0;       // one past the key literal's closing quote
  std::size_t value_begin = 0;
  std::size_t value_end = 0;  // one past the value
};

struct edit {
  enum class op { set, remove };
  op kind = op::set;
  std::string key;
  secure_string value;  // set only: the new string value

  static edit set(std::string k, std::string_view v) { return {op::set, std::move(k), secure_string(v)}; }
  static edit remove(std::string k) { return {op::remove, std::move(k), {}}; }
};

// Step 0: an empty key, control characters or invalid UTF-8 in a key, invalid
// UTF-8 in a value, or the same key edited twice. Returns the reason, or nullopt.
std::optional<std::string> validate_edits(const std::vector<edit>& edits);

bool is_valid_utf8(std::string_view s);

class flat_document {
 public:
  // Parses `text`. On an unsupported shape returns nullopt and sets `reason`
  // (which names keys and positions, never values).
  static std::optional<flat_document> parse(std::string_view text, std::string& reason);

  [[nodiscard]] std::string_view text() const noexcept { return text_.view(); }
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] const entry* find(std::string_view key) const;
  [[nodiscard]] std::string_view raw_value(const entry& e) const {
    return text().substr(e.value_begin, e.value_end - e.value_begin);
  }
  // The value's meaning (a string decoded, any other kind as written) for comparisons.
  [[nodiscard]] secure_string decoded_value(const entry& e) const;

  struct change_summary {
    std::vector<std::string> added, changed, removed;
    struct sizes {
      std::string key;
      std::size_t old_length = 0, new_length = 0;
    };
    std::vector<sizes> changed_lengths;
    std::size_t untouched = 0;
  };

  // Applies `edits` to the text: every byte outside the edited entries is kept.
  // `summary` says what changed (a set to the same string is no change).
  [[nodiscard]] secure_string apply(const std::vector<edit>& edits, change_summary* summary = nullptr) const;

 private:
  secure_string text_;
  std::vector<entry> entries_;
};

// The service's limit on SecretString.
inline constexpr std::size_t max_secret_size = 65536;

}  // namespace janitor::engine
