#include "edit_sources.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace janitor::cli {
namespace {

bool split_pair(const std::string& arg, std::string& key, std::string& rest) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return false;
  key = arg.substr(0, eq);
  rest = arg.substr(eq + 1);
  return true;
}

}  // namespace

std::optional<secure_string> read_all(const std::string& path, std::size_t limit, std::string& error) {
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  secure_string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = "cannot read '" + path + "': " + std::strerror(errno);
      out.clear();
      if (fd != STDIN_FILENO) ::close(fd);
      return std::nullopt;
    }
    out.append({buf, static_cast<std::size_t>(n)});
    if (out.size() > limit) {
      error = "'" + path + "' is larger than " + std::to_string(limit) + " bytes";
      if (fd != STDIN_FILENO) ::close(fd);
      return std::nullopt;
    }
  }
  OPENSSL_cleanse(buf, sizeof buf);
  if (fd != STDIN_FILENO) ::close(fd);
  return out;
}

std::optional<std::vector<engine::edit>> parse_edits_text(std::string_view text, std::string& error) {
  std::vector<engine::edit> out;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '-') {
      out.push_back(engine::edit::remove(std::string(line.substr(1))));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      error = "edits file line " + std::to_string(line_no) + ": expected KEY=VALUE or -KEY";
      return std::nullopt;
    }
    out.push_back(engine::edit::set(std::string(line.substr(0, eq)), line.substr(eq + 1)));
  }
  return out;
}

std::optional<std::vector<engine::edit>> collect_edits(const edit_flags& flags, std::string& error) {
  std::vector<engine::edit> edits;
  std::string key;
  std::string rest;
  for (const auto& s : flags.set) {
    if (!split_pair(s, key, rest)) {
      error = "--set takes KEY=VALUE";
      return std::nullopt;
    }
    edits.push_back(engine::edit::set(key, rest));
    OPENSSL_cleanse(rest.data(), rest.size());
  }
  for (const auto& s : flags.set_file) {
    if (!split_pair(s, key, rest)) {
      error = "--set-file takes KEY=PATH";
      return std::nullopt;
    }
    auto value = read_all(rest, engine::max_secret_size, error);
    if (!value) {
      error = "--set-file " + key + ": " + error;
      return std::nullopt;
    }
    edits.push_back({engine::edit::op::set, key, std::move(*value)});
  }
  for (const auto& s : flags.set_env) {
    if (!split_pair(s, key, rest)) {
      error = "--set-env takes KEY=VAR";
      return std::nullopt;
    }
    const char* v = std::getenv(rest.c_str());
    if (v == nullptr) {
      error = "--set-env " + key + ": the environment variable " + rest + " is not set";
      return std::nullopt;
    }
    edits.push_back(engine::edit::set(key, v));
  }
  if (!flags.edits_file.empty()) {
    auto text = read_all(flags.edits_file, 4 * engine::max_secret_size, error);
    if (!text) {
      error = "--edits-file: " + error;
      return std::nullopt;
    }
    auto more = parse_edits_text(text->view(), error);
    if (!more) return std::nullopt;
    for (auto& e : *more) edits.push_back(std::move(e));
  }
  for (const auto& k : flags.remove) edits.push_back(engine::edit::remove(k));
  if (edits.empty()) {
    error = "no edits: give --set, --set-file, --set-env, --edits-file or --remove";
    return std::nullopt;
  }
  if (auto why = engine::validate_edits(edits)) {
    error = *why;
    return std::nullopt;
  }
  return edits;
}

}  // namespace janitor::cli
