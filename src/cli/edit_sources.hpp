#pragma once

// Turns the write command's edit flags into engine edits. Values are read into
// wiped buffers; errors name the flag and the key, never a value.

#include <janitor/engine/document.hpp>

#include <optional>
#include <string>
#include <vector>

namespace janitor::cli {

struct edit_flags {
  std::vector<std::string> set;       // KEY=VALUE
  std::vector<std::string> set_file;  // KEY=PATH
  std::vector<std::string> set_env;   // KEY=VAR
  std::vector<std::string> remove;    // KEY
  std::string edits_file;             // PATH or "-"
};

// Returns the edits, or nullopt with `error` set (a usage error).
std::optional<std::vector<engine::edit>> collect_edits(const edit_flags& flags, std::string& error);

// Reads a whole file (or "-" for stdin) into a wiped buffer: pipes, /proc files
// and <(cmd) work. At most `limit` bytes.
std::optional<secure_string> read_all(const std::string& path, std::size_t limit, std::string& error);

// Parses `KEY=VALUE` and `-KEY` lines; blank lines and lines starting with '#' are skipped.
std::optional<std::vector<engine::edit>> parse_edits_text(std::string_view text, std::string& error);

}  // namespace janitor::cli
