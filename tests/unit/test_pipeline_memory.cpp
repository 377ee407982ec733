#include <catch2/catch.hpp>

#include <cstdint>

#include "deepcompress/error.hpp"
#include "deepcompress/options.hpp"
#include "pipeline/memory_plan.hpp"

using namespace deepcompress;

namespace {
constexpr std::uint64_t kGiB = 1ULL << 30;
}

TEST_CASE("memory: sizes parse with binary suffixes") {
  CHECK(parse_size_bytes("") == 0);
  CHECK(parse_size_bytes("512M") == 512ULL << 20);
  CHECK(parse_size_bytes("2G") == 2 * kGiB);
  CHECK(parse_size_bytes("1.5g") == 3 * kGiB / 2);
  CHECK(parse_size_bytes("4096") == 4096);
  CHECK_THROWS_AS(parse_size_bytes("2GB"), Error);
  CHECK_THROWS_AS(parse_size_bytes("-1G"), Error);
  CHECK_THROWS_AS(parse_size_bytes("lots"), Error);
}

TEST_CASE("memory: a configured batch size is kept without a cap") {
  MemoryInputs in;
  in.requested_batch = 8;
  in.host_available_bytes = 1 * kGiB;  // would be too little for auto
  const auto plan = plan_memory(in);
  CHECK(plan.batch_pages == 8);
  CHECK(plan.queue_pages == 16);
}

TEST_CASE("memory: auto on CPU follows cores, limited by host memory") {
  MemoryInputs in;
  in.requested_batch = 0;
  in.n_cores = 2;
  in.host_available_bytes = 20 * kGiB;
  CHECK(plan_memory(in).batch_pages == 4);
  in.host_available_bytes = 1 * kGiB;  // half of it fits one page at 1280 px
  const auto small = plan_memory(in);
  CHECK(small.batch_pages == 1);
  CHECK(small.reason.find("auto: CPU") != std::string::npos);
}

TEST_CASE("memory: auto on CUDA divides the free memory share by the page footprint") {
  MemoryInputs in;
  in.requested_batch = 0;
  in.cuda = true;
  in.canvas_px = 1280;
  in.device_free_bytes = 10 * kGiB;
  in.gpu_memory_fraction = 0.5;
  const auto plan = plan_memory(in);
  const auto expected = static_cast<int>(5 * kGiB / detector_bytes_per_page(1280));
  CHECK(plan.batch_pages == expected);
  in.gpu_memory_fraction = 0.9;
  CHECK(plan_memory(in).batch_pages > expected);
  in.device_free_bytes = 1000 * kGiB;
  CHECK(plan_memory(in).batch_pages == 64);  // the documented maximum
}

TEST_CASE("memory: auto on CUDA with unknown free memory takes the default batch, not 1") {
  MemoryInputs in;
  in.requested_batch = 0;
  in.cuda = true;
  in.device_free_bytes = 0;  // the query failed or this build cannot make it
  const auto plan = plan_memory(in);
  CHECK(plan.batch_pages == Options{}.batch_size);
  CHECK(plan.queue_pages == 2 * plan.batch_pages);
  CHECK(plan.reason.find("unknown") != std::string::npos);
  in.max_memory_bytes = 2ULL << 30;  // the host cap still applies
  CHECK(plan_memory(in).batch_pages < Options{}.batch_size);
}

TEST_CASE("memory: --max-memory caps batch and queue, never below one page") {
  MemoryInputs in;
  in.requested_batch = 32;
  in.max_memory_bytes = 2 * kGiB;
  const auto capped = plan_memory(in);
  CHECK(capped.batch_pages < 32);
  CHECK(capped.batch_pages >= 1);
  CHECK(capped.queue_pages == 2 * capped.batch_pages);
  CHECK(capped.reason.find("--max-memory") != std::string::npos);
  in.max_memory_bytes = 100ULL << 20;
  const auto tiny = plan_memory(in);
  CHECK(tiny.batch_pages == 1);
  CHECK(tiny.queue_pages == 1);
}

TEST_CASE("memory: the plan states its estimate, within the cap unless one page exceeds it") {
  MemoryInputs in;
  in.requested_batch = 64;
  for (const std::uint64_t cap : {1 * kGiB, 2 * kGiB, 4 * kGiB}) {
    in.max_memory_bytes = cap;
    const auto plan = plan_memory(in);
    INFO(cap);
    CHECK_FALSE(plan.over_cap);
    CHECK(plan.estimate_bytes <= cap);
    in.requested_batch = plan.batch_pages + 1;  // one page more than the cap allows
    in.max_memory_bytes = 0;
    CHECK(plan_memory(in).estimate_bytes > cap);
    in.requested_batch = 64;
  }
  in.max_memory_bytes = 600ULL << 20;
  const auto tiny = plan_memory(in);
  CHECK(tiny.over_cap);
  CHECK(tiny.batch_pages == 1);
  CHECK(tiny.estimate_bytes > in.max_memory_bytes);
}

TEST_CASE("memory: on a CPU the estimate covers the peak RSS measured by scripts/bench_batch") {
  // docs/benchmarks.md, "--max-memory against peak RSS": 20 pages at the 1280 px
  // canvas, 200 dpi, one worker; (batch, the highest peak RSS in MiB over two
  // runs). A tighter estimate must stay above these.
  const std::pair<int, std::uint64_t> measured[] = {{1, 691}, {2, 695}, {3, 858}, {4, 759}, {7, 894}};
  for (const auto& [batch, rss_mib] : measured) {
    MemoryInputs in;
    in.requested_batch = batch;
    INFO(batch);
    CHECK(plan_memory(in).estimate_bytes >= rss_mib << 20);
  }
}
