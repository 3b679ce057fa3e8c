// Credential and config file parsing, both dialects.
#include <janitor/sm_client/config.hpp>
#include <janitor/sm_client/credentials.hpp>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool config : {false, true}) {
    janitor::sm::error_info err;
    auto f = janitor::sm::parse_profile_file(text, config, "fuzz", err);
    if (!f && !err.failed()) __builtin_trap();
  }
  (void)janitor::sm::parse_credentials_json(text, "fuzz", true);
  (void)janitor::sm::parse_credentials_json(text, "fuzz", false);
  return 0;
}
