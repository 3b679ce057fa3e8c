#include <janitor/sm_client/transport.hpp>

#include <boost/algorithm/string/predicate.hpp>

namespace janitor::sm {
namespace {
template <class Fields>
std::string_view find_header(const Fields& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (boost::algorithm::iequals(f.name, name)) return f.value;
  }
  return {};
}
}  // namespace

std::string_view http_request::header(std::string_view name) const { return find_header(headers, name); }
std::string_view http_response::header(std::string_view name) const { return find_header(headers, name); }

}  // namespace janitor::sm
