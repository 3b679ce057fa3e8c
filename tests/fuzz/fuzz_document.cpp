// The flat JSON document and merge. Oracle: whenever the document parses, the
// merged text parses with Boost.JSON to exactly the expected map.
#include <janitor/engine/document.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <cstdlib>
#include <string_view>

namespace {
// Map equality where NaN equals NaN: Boost.JSON 1.81 reads 0e400 as NaN, and the
// merge must still count as exact.
bool same(const boost::json::object& a, const boost::json::object& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    const auto* w = b.if_contains(k);
    if (w == nullptr) return false;
    if (v.is_double() && w->is_double() && std::isnan(v.as_double()) && std::isnan(w->as_double())) continue;
    if (v != *w) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using janitor::engine::edit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  auto doc = janitor::engine::flat_document::parse(text, why);
  if (!doc) return 0;
  std::vector<edit> edits{edit::set("fuzz\"key\n", "v\"\\\x01\xC3\xA9"), edit::set("k", "new")};
  if (!doc->entries().empty()) {
    const auto& first = doc->entries().front().key;
    if (first != "k" && first != "fuzz\"key\n") edits.push_back(edit::remove(first));
  }
  const auto out = doc->apply(edits);
  boost::system::error_code ec;
  const auto merged = boost::json::parse(out.view(), ec);
  if (ec || !merged.is_object()) std::abort();
  auto expected = boost::json::parse(text).as_object();
  for (const auto& e : edits) {
    if (e.kind == edit::op::remove)
      expected.erase(e.key);
    else
      expected[e.key] = std::string(e.value.view());
  }
  if (!same(merged.as_object(), expected)) std::abort();
  // Untouched entries keep their raw spelling.
  std::string why2;
  auto again = janitor::engine::flat_document::parse(out.view(), why2);
  if (!again) std::abort();
  for (const auto& e : doc->entries()) {
    bool edited = false;
    for (const auto& ed : edits) edited = edited || ed.key == e.key;
    if (edited) continue;
    const auto* f = again->find(e.key);
    if (f == nullptr || again->raw_value(*f) != doc->raw_value(e)) std::abort();
  }
  return 0;
}
