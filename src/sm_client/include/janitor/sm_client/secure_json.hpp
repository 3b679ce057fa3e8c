#pragma once

// Boost.JSON with memory that is wiped when freed, for documents that hold
// secret values (responses of GetSecretValue, secret strings).

#include <boost/json/kind.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace janitor::sm {

// A process-wide memory resource: new/delete with OPENSSL_cleanse on free.
boost::json::storage_ptr wiping_storage();

// Whether memory from `sp` is wiped when freed (wiping_storage(), or the arena
// of a document parse_secure_json made).
bool is_wiping_storage(const boost::json::storage_ptr& sp);

// Parses `text` into a value whose every allocation (and the parser's scratch
// memory) is wiped when freed. Depth is bounded; no comments, no trailing commas.
boost::json::value parse_secure_json(std::string_view text, boost::system::error_code& ec);

// Checks that `text` is one JSON value (same rules as parse_secure_json) and
// returns its kind, without building it: nothing is allocated, so nothing of
// the text is copied.
boost::json::kind validate_json(std::string_view text, boost::system::error_code& ec);

}  // namespace janitor::sm

#include <janitor/sigv4/secure_string.hpp>

#include <string>
#include <vector>

namespace janitor::sm {

// Serializes `v` straight into wiped storage (no intermediate std::string).
secure_string serialize_secure_json(const boost::json::value& v);

// Appends `s` as a JSON string literal (quotes and escapes), into wiped storage.
void append_json_string(secure_string& out, std::string_view s);

// A flat JSON object written straight into wiped storage, members in the order
// given: request bodies without building a document first.
class json_object_writer {
 public:
  json_object_writer();
  json_object_writer& string(std::string_view key, std::string_view value);
  json_object_writer& boolean(std::string_view key, bool value);
  json_object_writer& integer(std::string_view key, long long value);
  json_object_writer& strings(std::string_view key, const std::vector<std::string>& values);
  secure_string finish() &&;

 private:
  void key(std::string_view k);
  secure_string out_;
  bool first_ = true;
};

}  // namespace janitor::sm
