// The document (parse + merge) at 1 KiB and 64 KiB, and a whole engine write
// through the real client (signing, JSON, retries logic) over an in-memory
// transport that plays Secrets Manager: no sockets.

#include <janitor/engine/write.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <benchmark/benchmark.h>

#include <map>
#include <set>

namespace json = boost::json;
using janitor::engine::edit;

namespace {

std::string make_document(std::size_t target_bytes) {
  std::string s = "{\n";
  for (int i = 0; s.size() < target_bytes - 64; ++i) {
    s += "  \"KEY_" + std::to_string(i) + "\": \"value-" + std::string(24, 'x') + std::to_string(i) + "\",\n";
  }
  s += "  \"PORT\": 5432,\n  \"RATIO\": 1.0\n}";
  return s;
}

void BM_document_parse_and_merge(benchmark::State& state) {
  const std::string text = make_document(static_cast<std::size_t>(state.range(0)));
  const std::vector<edit> edits{edit::set("KEY_3", "changed"), edit::set("NEW", "added"),
                                edit::remove("KEY_5")};
  for (auto _ : state) {
    std::string why;
    auto doc = janitor::engine::flat_document::parse(text, why);
    auto merged = doc->apply(edits);
    benchmark::DoNotOptimize(merged);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_document_parse_and_merge)->Arg(1024)->Arg(64 * 1024);

// Secrets Manager at the HTTP/JSON level, in memory.
class memory_secrets_manager final : public janitor::sm::transport {
 public:
  void create(const std::string& id, const std::string& value) {
    auto& s = secrets_[id];
    s.versions["v0-00000000000000000000000000000000"] = {value, {"AWSCURRENT"}};
  }
  boost::asio::awaitable<janitor::sm::transport_result> send(const janitor::sm::http_request& req) override {
    janitor::sm::transport_result out;
    out.response.status = 200;
    std::string_view op = req.header("X-Amz-Target");
    op.remove_prefix(op.find('.') + 1);
    boost::system::error_code ec;
    const auto body = janitor::sm::parse_secure_json(req.body.view(), ec).as_object();
    auto& s = secrets_.at(std::string(body.at("SecretId").as_string()));
    json::object res;
    if (op == "GetSecretValue") {
      for (auto& [id, v] : s.versions) {
        if (v.stages.count("AWSCURRENT")) {
          res["VersionId"] = id;
          res["SecretString"] = v.value;
          res["VersionStages"] = json::array{"AWSCURRENT"};
        }
      }
    } else if (op == "PutSecretValue") {
      const std::string token(body.at("ClientRequestToken").as_string());
      auto& v = s.versions[token];
      v.value = body.at("SecretString").as_string();
      for (const auto& st : body.at("VersionStages").as_array()) v.stages.insert(std::string(st.as_string()));
      res["VersionId"] = token;
    } else if (op == "UpdateSecretVersionStage") {
      const std::string stage(body.at("VersionStage").as_string());
      if (const auto* from = body.if_contains("RemoveFromVersionId"))
        s.versions[std::string(from->as_string())].stages.erase(stage);
      if (const auto* to = body.if_contains("MoveToVersionId"))
        s.versions[std::string(to->as_string())].stages.insert(stage);
    }
    res["Name"] = body.at("SecretId");
    out.response.body.assign(json::serialize(res));
    co_return out;
  }

 private:
  struct version {
    std::string value;
    std::set<std::string> stages;
  };
  struct secret {
    std::map<std::string, version> versions;
  };
  std::map<std::string, secret> secrets_;
};

void BM_engine_write_in_memory(benchmark::State& state) {
  boost::asio::io_context ioc;
  auto sm = std::make_shared<memory_secrets_manager>();
  const std::string doc = make_document(1024);
  janitor::sm::error_info err;
  janitor::sm::client_options o;
  o.region = "us-east-1";
  o.ep = *janitor::sm::parse_endpoint("https://secretsmanager.us-east-1.amazonaws.com", err);
  janitor::sigv4::credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key.assign("secret");
  janitor::sm::secrets_client client(ioc.get_executor(), sm, janitor::sm::make_static_credentials(creds), o);
  int n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string id = "s" + std::to_string(n++);
    sm->create(id, doc);
    state.ResumeTiming();
    janitor::engine::write_result r;
    boost::asio::co_spawn(ioc, janitor::engine::write_secret(client, id, {edit::set("KEY_1", "new")}),
                          [&](std::exception_ptr, janitor::engine::write_result res) { r = std::move(res); });
    ioc.restart();
    ioc.run();
    if (r.result != janitor::engine::outcome::applied) state.SkipWithError("write not applied");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_engine_write_in_memory);

}  // namespace
