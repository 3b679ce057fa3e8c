#pragma once

// SHA-256 and HMAC-SHA256 over OpenSSL 3. The algorithm objects are fetched
// once per process and the contexts are reused per thread: fetching on every
// call costs more than hashing a 1 KiB request.

#include <array>
#include <span>
#include <string>
#include <string_view>

namespace janitor::sigv4::detail {

using digest = std::array<unsigned char, 32>;

digest sha256(std::string_view data);
digest hmac_sha256(std::span<const unsigned char> key, std::string_view data);
// The same as hmac_sha256 for a 32-byte key that repeats (the day's signing
// key): the key schedule is computed once per thread and key.
digest hmac_sha256_same_key(std::span<const unsigned char, 32> key, std::string_view data);
void append_hex(std::string& out, std::span<const unsigned char> bytes);

}  // namespace janitor::sigv4::detail
