// Signing a typical Secrets Manager request: POST /, X-Amz-Target
// PutSecretValue, a 1 KiB JSON body, a session token, warm key cache.

#include <janitor/sigv4/signer.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

namespace sv4 = janitor::sigv4;
using namespace std::chrono_literals;

namespace {

std::string one_kib_body() {
  std::string body =
      R"({"SecretId":"app/config","ClientRequestToken":"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",)"
      R"("VersionStages":["janitor-pending-4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"],"SecretString":"{)";
  int i = 0;
  while (body.size() < 1000) body += "\\\"KEY_" + std::to_string(i++) + "\\\":\\\"value-value-value\\\",";
  body.resize(1020);
  body += "\\\"}\"}";
  return body;
}

struct fixture {
  sv4::http_request req;
  sv4::signing_config cfg;
  sv4::credentials creds;
  std::string body = one_kib_body();
  fixture() {
    req.method = "POST";
    req.headers = {{"Host", "secretsmanager.us-east-1.amazonaws.com"},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "secretsmanager.PutSecretValue"}};
    req.body = body;
    cfg.region = "us-east-1";
    cfg.service = "secretsmanager";
    cfg.timestamp = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 12h;
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key.assign("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    creds.session_token.assign(std::string(400, 'T'));  // STS tokens run to several hundred bytes
  }
};

void BM_sign_put_secret_value_warm_cache(benchmark::State& state) {
  fixture f;
  sv4::signing_key_cache cache;
  for (auto _ : state) {
    auto res = sv4::sign(f.req, f.cfg, f.creds, &cache);
    benchmark::DoNotOptimize(res);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["body_bytes"] = static_cast<double>(f.body.size());
}
BENCHMARK(BM_sign_put_secret_value_warm_cache);

void BM_sign_put_secret_value_no_cache(benchmark::State& state) {
  fixture f;
  for (auto _ : state) {
    auto res = sv4::sign(f.req, f.cfg, f.creds, nullptr);
    benchmark::DoNotOptimize(res);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_sign_put_secret_value_no_cache);

void BM_sha256_1kib(benchmark::State& state) {
  fixture f;
  for (auto _ : state) benchmark::DoNotOptimize(sv4::sha256_hex(f.body));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f.body.size()));
}
BENCHMARK(BM_sha256_1kib);

}  // namespace

BENCHMARK_MAIN();
