#include <janitor/sigv4/secure_string.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <new>
#include <string>
#include <string_view>

using janitor::secure_string;

// This test binary replaces global operator new/delete so that, while armed,
// every block handed back to the heap is searched for the canary first. A
// secret that is freed without being wiped is caught at the moment it is freed.
namespace {
bool armed = false;
int canary_blocks_freed = 0;
constexpr std::string_view canary = "CANARY-7f3a";

void inspect(void* p) {
  if (!armed || p == nullptr) return;
  const std::size_t n = malloc_usable_size(p);
  const std::string_view block(static_cast<const char*>(p), n);
  if (block.find(canary) != std::string_view::npos) ++canary_blocks_freed;
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n == 0 ? 1 : n); }
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete(void* p) noexcept {
  inspect(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  inspect(p);
  std::free(p);
}

namespace {
struct arm_guard {
  arm_guard() {
    canary_blocks_freed = 0;
    armed = true;
  }
  ~arm_guard() { armed = false; }
};
std::string big_canary() { return std::string(canary) + std::string(300, 'v'); }
}  // namespace

TEST_CASE("the heap check itself sees an unwiped secret in a plain std::string") {
  const std::string value = big_canary();
  {
    arm_guard g;
    { std::string plain(value); }
    CHECK(canary_blocks_freed == 1);
  }
}

TEST_CASE("secure_string leaves no secret in freed heap memory") {
  const std::string value = big_canary();
  arm_guard g;
  SUBCASE("destruction") { secure_string s(value); }
  SUBCASE("growth") {
    secure_string s(value);
    for (int i = 0; i < 20; ++i) s.append(value);
    CHECK(s.size() == 21 * value.size());
  }
  SUBCASE("assignment over a secret") {
    secure_string s(value);
    s.assign("short");
    CHECK(s.view() == "short");
  }
  SUBCASE("move assignment") {
    secure_string a(value);
    secure_string b("x");
    b = std::move(a);
    CHECK(b.view() == value);
  }
  CHECK(canary_blocks_freed == 0);
}

TEST_CASE("secure_string wipes its small buffer inside the object") {
  alignas(secure_string) unsigned char storage[sizeof(secure_string)] = {};
  const std::string_view raw(reinterpret_cast<const char*>(storage), sizeof storage);
  SUBCASE("destruction") {
    auto* s = new (storage) secure_string("CANARY-7f3a");
    CHECK(raw.find(canary) != std::string_view::npos);  // the value really lives inside the object
    s->~secure_string();
    CHECK(raw.find(canary) == std::string_view::npos);
  }
  SUBCASE("moved-from source") {
    auto* s = new (storage) secure_string("CANARY-7f3a");
    secure_string t(std::move(*s));
    CHECK(t.view() == canary);
    CHECK(raw.find(canary) == std::string_view::npos);
    s->~secure_string();
  }
}
