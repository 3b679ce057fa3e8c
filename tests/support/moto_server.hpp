#pragma once

// Starts a real moto_server on a free loopback port for the tests, and stops
// it by its PID. A test that needs moto and cannot find it fails loudly.
// JANITOR_MOTO_URL=http://127.0.0.1:PORT reuses a server already running.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>

namespace janitor::test {

struct moto_options {
  std::filesystem::path cert;  // with key: serve TLS with this certificate
  std::filesystem::path key;
  std::map<std::string, std::string> env;  // e.g. INITIAL_NO_AUTH_ACTION_COUNT
  bool allow_reuse = true;                 // honour JANITOR_MOTO_URL
};

class moto_server {
 public:
  explicit moto_server(moto_options opts = {});
  ~moto_server();
  moto_server(const moto_server&) = delete;
  moto_server& operator=(const moto_server&) = delete;

  [[nodiscard]] std::string url() const;  // http(s)://127.0.0.1:PORT
  [[nodiscard]] std::uint16_t port() const { return port_; }

  // One server per test binary for the plain-HTTP tests (started on first use).
  static moto_server& shared();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  std::string reused_url_;
};

std::uint16_t free_loopback_port();

// Makes a CA and a server certificate for 127.0.0.1 / localhost with the
// openssl tool, into `dir`: ca.pem, server.pem, server.key.
void make_test_certificates(const std::filesystem::path& dir);

// A fresh, unique name for test secrets.
std::string unique_name(const std::string& prefix);

}  // namespace janitor::test
