// SigV4 canonicalization of arbitrary paths, queries and header values.
#include <janitor/sigv4/signer.hpp>

#include <chrono>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  namespace sv4 = janitor::sigv4;
  const std::string s(reinterpret_cast<const char*>(data), size);
  const auto third = s.size() / 3;
  (void)sv4::canonical_query_string(s);
  (void)sv4::canonical_uri(s, true, true);
  (void)sv4::canonical_uri(s, false, false);
  sv4::http_request req;
  req.method = "POST";
  req.path = "/" + s.substr(0, third);
  req.query = s.substr(third, third);
  req.headers = {{"Host", "h"}, {"X-Fuzz", s.substr(2 * third)}, {s.substr(0, third % 17), "v"}};
  req.body = s;
  sv4::credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key.assign("secret");
  c.session_token.assign(s.substr(0, 8));
  sv4::signing_config cfg;
  cfg.region = "us-east-1";
  cfg.service = "secretsmanager";
  cfg.timestamp = std::chrono::sys_seconds{std::chrono::seconds{1700000000}};
  (void)sv4::sign(req, cfg, c);
  cfg.type = sv4::signature_type::query;
  (void)sv4::sign(req, cfg, c);
  return 0;
}
