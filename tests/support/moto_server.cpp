#include "moto_server.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace janitor::test {
namespace {

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

bool port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot bind a loopback socket");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

moto_server::moto_server(moto_options opts) {
  tls_ = !opts.cert.empty();
  if (opts.allow_reuse && !tls_ && opts.env.empty()) {
    if (const char* url = std::getenv("JANITOR_MOTO_URL"); url != nullptr && *url != '\0') {
      reused_url_ = url;
      return;
    }
  }
  const std::string exe = find_in_path("moto_server");
  if (exe.empty()) {
    throw std::runtime_error(
        "moto_server is not on PATH: the integration tests need it (the Python package moto[server]); "
        "scripts/deps.sh checks for it");
  }
  port_ = free_loopback_port();
  std::vector<std::string> args = {exe, "-H", "127.0.0.1", "-p", std::to_string(port_)};
  if (tls_) args.insert(args.end(), {"-s", "-c", opts.cert.string(), "-k", opts.key.string()});

  const auto log =
      std::filesystem::temp_directory_path() / ("janitor-moto-" + std::to_string(port_) + ".log");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);  // its own group, so the whole server (and any child) is stopped together
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    for (const auto& [k, v] : opts.env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!port_accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("moto_server exited at start; see " + log.string());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("moto_server did not start listening within 30 s; see " + log.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

moto_server::~moto_server() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

std::string moto_server::url() const {
  if (!reused_url_.empty()) return reused_url_;
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

moto_server& moto_server::shared() {
  static moto_server server;
  return server;
}

void make_test_certificates(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  const std::string script =
      "set -e; cd '" + d +
      "'; "
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=janitor test "
      "CA' "
      ">/dev/null 2>&1; "
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' "
      ">/dev/null 2>&1; "
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\n"
      "keyUsage=digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth\\n' > ext.cnf; "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
      "-extfile ext.cnf >/dev/null 2>&1";
  if (std::system(script.c_str()) != 0)
    throw std::runtime_error("openssl could not make the test certificates");
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const auto seed = std::random_device{}();
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(seed % 100000) + "-" +
         std::to_string(counter++);
}

}  // namespace janitor::test
