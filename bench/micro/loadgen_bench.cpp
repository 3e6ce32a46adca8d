// Per-request user-space costs of `faultline bench` (the rest is the kernel's: one send,
// one epoll re-arm, one receive per request):
//   - parsing a response head like the echo upstream's and finding its end;
//   - computing when the next request is due (constant rate and a ramp);
//   - drawing a request from a weighted mix.
//
//   cmake --build build --target faultline_loadgen_bench &&
//   build/bench/micro/faultline_loadgen_bench
#include <cstdint>
#include <string_view>

#include <benchmark/benchmark.h>

#include "loadgen/rate_schedule.hpp"
#include "loadgen/request_mix.hpp"
#include "loadgen/response_parser.hpp"

namespace {

using namespace faultline::loadgen;
using namespace std::chrono_literals;

void BM_ParseResponse(benchmark::State& state, std::string_view wire) {
  ResponseParser parser;
  for (auto _ : state) {
    parser.reset();
    benchmark::DoNotOptimize(parser.feed(wire.data(), wire.size()));
  }
}
BENCHMARK_CAPTURE(BM_ParseResponse, echo,
                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                  "x-echo-connection: 706\r\n\r\nok");
BENCHMARK_CAPTURE(BM_ParseResponse, chunked,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: x\r\n\r\n"
                  "10\r\n0123456789abcdef\r\n0\r\n\r\n");

void BM_DueTime(benchmark::State& state) {
  const bool ramp = state.range(0) != 0;
  const RateSchedule schedule(
      {Stage{"", 60s, ramp ? 0.0 : 1000.0, 1000, 0}, Stage{"", 60s, 1000, 1000, 0}});
  std::uint64_t index = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(schedule.due_time(index));
    index = (index + 7) % schedule.total();
  }
}
BENCHMARK(BM_DueTime)->Arg(0)->Arg(1);

void BM_PickFromMix(benchmark::State& state) {
  TargetUrl target;
  parse_target_url("http://127.0.0.1:8080/", target);
  std::vector<RequestTemplate> templates(4);
  for (std::size_t i = 0; i < templates.size(); ++i) {
    templates[i].path = "/p" + std::to_string(i);
    templates[i].weight = static_cast<unsigned>(i + 1);
  }
  const RequestMix mix(target, templates);
  std::uint64_t rng = 42;
  for (auto _ : state) benchmark::DoNotOptimize(&mix.pick(rng));
}
BENCHMARK(BM_PickFromMix);

}  // namespace
