// Cassette loading: any bytes give a cassette or a clear error, never a crash.
#include <janitor/sm_client/recording.hpp>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  janitor::sm::error_info err;
  auto c = janitor::sm::parse_cassette({reinterpret_cast<const char*>(data), size}, "fuzz", err);
  if (!c && (!err.failed() || err.message.empty())) __builtin_trap();
  return 0;
}
