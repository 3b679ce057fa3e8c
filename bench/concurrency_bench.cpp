// N concurrent writes on one io_context (one thread), each to its own secret,
// against the server at AWS_ENDPOINT_URL (bench/concurrency.sh starts moto).
// Prints one row per level: wall time, client CPU (getrusage of this process)
// per write, writes per second. The secrets are created before the clock
// starts; every write must come back applied.
//   concurrency_bench [--levels 1,10,100,1000] [--runs 3] [--max-connections 32]

#include <janitor/engine/write.hpp>
#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/http_transport.hpp>

#include "test_client.hpp"  // the client on a live transport, as the tests build it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace asio = boost::asio;
namespace sm = janitor::sm;
using janitor::engine::edit;

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

std::vector<int> parse_levels(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "concurrency_bench: " << what << "\n";
  std::exit(1);
}

struct row {
  int level;
  double wall_s, cpu_s;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> levels{1, 10, 100, 1000};
  int runs = 3;
  std::size_t max_connections = sm::http_options{}.max_connections;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--levels") {
      levels = parse_levels(argv[i + 1]);
    } else if (flag == "--runs") {
      runs = std::stoi(argv[i + 1]);
    } else if (flag == "--max-connections") {
      max_connections = std::stoul(argv[i + 1]);
    } else {
      fail("unknown flag " + flag);
    }
  }
  const char* url = std::getenv("AWS_ENDPOINT_URL");
  if (url == nullptr) fail("AWS_ENDPOINT_URL is not set (run bench/concurrency.sh)");

  asio::io_context ioc;
  sm::http_options http;
  http.max_connections = max_connections;
  http.max_idle = max_connections;
  auto client = janitor::test::make_test_client(
      ioc, url, janitor::test::test_credentials("AKIDLOCALBENCH", "local-bench-secret"), http);

  std::string doc = "{";
  for (int k = 0; k < 20; ++k)
    doc += (k ? ", " : "") + ("\"KEY_" + std::to_string(k) + "\": \"" + std::string(40, 'v') + "\"");
  doc += "}";

  std::vector<row> rows;
  for (int run = 0; run < runs; ++run) {
    for (const int n : levels) {
      // Distinct secrets, created before the clock starts.
      std::vector<std::string> ids;
      for (int i = 0; i < n; ++i)
        ids.push_back("conc/" + std::to_string(run) + "/" + std::to_string(n) + "/" + std::to_string(i));
      int created = 0;
      asio::co_spawn(
          ioc,
          [&]() -> asio::awaitable<void> {
            for (const auto& id : ids) {
              auto r = co_await client->create_secret(id, janitor::secure_string(doc));
              if (r.ok()) ++created;
            }
          },
          asio::detached);
      ioc.run();
      ioc.restart();
      if (created != n) fail("could not create the secrets");

      int applied = 0;
      const double cpu0 = cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      for (const auto& id : ids) {
        asio::co_spawn(
            ioc, janitor::write_secret(*client, id, {edit::set("KEY_1", "changed-" + std::to_string(run))}),
            [&](std::exception_ptr e, janitor::engine::write_result r) {
              if (!e && r.result == janitor::engine::outcome::applied) ++applied;
            });
      }
      ioc.run();
      ioc.restart();
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double cpu = cpu_seconds() - cpu0;
      if (applied != n)
        fail(std::to_string(n - applied) + " of " + std::to_string(n) + " writes not applied");
      rows.push_back({n, wall, cpu});
      std::fprintf(stderr, "run %d, %d concurrent: %.3f s wall, %.3f s CPU\n", run + 1, n, wall, cpu);
    }
  }

  // Medians over the runs, one line per level (tab-separated, for the plot).
  std::printf("# runs: %d\n# concurrent\twall_ms\twall_ms_per_write\tcpu_us_per_write\twrites_per_s\n", runs);
  for (const int n : levels) {
    std::vector<double> wall;
    std::vector<double> cpu;
    for (const auto& r : rows) {
      if (r.level == n) wall.push_back(r.wall_s), cpu.push_back(r.cpu_s);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double w = median(wall);
    const double c = median(cpu);
    std::printf("%d\t%.1f\t%.2f\t%.0f\t%.0f\n", n, w * 1e3, w * 1e3 / n, c * 1e6 / n, n / w);
  }
  return 0;
}
