#include <janitor/sm_client/transport.hpp>

#include <boost/beast/core/string.hpp>

namespace janitor::sm {
namespace {
template <class Fields>
std::string_view find_header(const Fields& fields, std::string_view name) {
  for (const auto& f : fields) {
    // ASCII, as header names are: boost::algorithm::iequals goes through the locale per character.
    if (boost::beast::iequals(f.name, name)) return f.value;
  }
  return {};
}
}  // namespace

std::string_view http_request::header(std::string_view name) const { return find_header(headers, name); }
std::string_view http_response::header(std::string_view name) const { return find_header(headers, name); }

}  // namespace janitor::sm
