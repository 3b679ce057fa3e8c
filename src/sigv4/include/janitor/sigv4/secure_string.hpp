#pragma once

// Storage for secret material (secret keys, session tokens, secret values).
// Every byte that ever held secret data is overwritten with OPENSSL_cleanse
// before the memory is given back, including the small-string buffer inside
// the object, which an allocator alone never sees.

#include <openssl/crypto.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace janitor {

template <class T>
struct wiping_allocator {
  using value_type = T;
  wiping_allocator() noexcept = default;
  template <class U>
  wiping_allocator(const wiping_allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  friend bool operator==(const wiping_allocator&, const wiping_allocator&) noexcept { return true; }
};

class secure_string {
 public:
  using string_type = std::basic_string<char, std::char_traits<char>, wiping_allocator<char>>;

  secure_string() = default;
  explicit secure_string(std::string_view s) : s_(s.data(), s.size()) {}
  secure_string(const secure_string& o) : s_(o.s_) {}
  secure_string(secure_string&& o) noexcept : s_(std::move(o.s_)) { o.wipe(); }
  secure_string& operator=(const secure_string& o) {
    if (this != &o) assign(o.view());
    return *this;
  }
  secure_string& operator=(secure_string&& o) noexcept {
    if (this != &o) {
      wipe();
      s_ = std::move(o.s_);
      o.wipe();
    }
    return *this;
  }
  ~secure_string() { wipe(); }

  void assign(std::string_view s) {
    wipe();
    s_.assign(s.data(), s.size());
  }
  void append(std::string_view s) { reserve(s_.size() + s.size()), s_.append(s.data(), s.size()); }
  void push_back(char c) { reserve(s_.size() + 1), s_.push_back(c); }
  // Growth goes through here so that the old buffer is wiped, never just freed:
  // the allocator wipes heap buffers, the small buffer is wiped by hand.
  void reserve(std::size_t n) {
    if (n <= s_.capacity()) return;
    string_type bigger;
    bigger.reserve(n < 2 * s_.capacity() ? 2 * s_.capacity() : n);
    bigger.assign(s_.data(), s_.size());
    wipe();
    s_.swap(bigger);
  }
  void clear() { wipe(); }

  [[nodiscard]] std::string_view view() const noexcept { return {s_.data(), s_.size()}; }
  [[nodiscard]] const char* data() const noexcept { return s_.data(); }
  [[nodiscard]] char* data() noexcept { return s_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return s_.size(); }
  [[nodiscard]] bool empty() const noexcept { return s_.empty(); }
  void resize(std::size_t n) { reserve(n), s_.resize(n); }

  friend bool operator==(const secure_string& a, const secure_string& b) noexcept {
    return a.view() == b.view();
  }

 private:
  void wipe() noexcept {
    // Wipe the whole capacity (+1 for the terminator) so the small buffer is covered too.
    OPENSSL_cleanse(s_.data(), s_.capacity() + 1);
    s_.clear();
  }
  string_type s_;
};

}  // namespace janitor
