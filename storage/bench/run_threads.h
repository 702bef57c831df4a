// For the benchmarks: N threads timed together, and their latencies.
#ifndef RELOG_STORAGE_BENCH_RUN_THREADS_H_
#define RELOG_STORAGE_BENCH_RUN_THREADS_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace relog::bench {

// Latencies in nanoseconds and what they add up to.
struct RunResult {
  uint64_t events = 0;
  absl::Duration elapsed;
  std::vector<int64_t> latencies_ns;

  double EventsPerSecond() const {
    return events / std::max(1e-9, absl::ToDoubleSeconds(elapsed));
  }
  // Milliseconds at quantile q (0..1), nearest rank. Sorts.
  double QuantileMs(double q) {
    if (latencies_ns.empty()) return 0;
    const size_t i = std::min(latencies_ns.size() - 1,
                              static_cast<size_t>(q * latencies_ns.size()));
    std::nth_element(latencies_ns.begin(), latencies_ns.begin() + i,
                     latencies_ns.end());
    return latencies_ns[i] / 1e6;
  }
};

// Runs body(thread, stop) on `threads` threads, all starting together, for
// `run`; merges the latencies each returns.
template <typename Body>
RunResult RunThreads(int threads, absl::Duration run, Body body) {
  std::atomic<bool> stop{false};
  absl::Notification start;
  std::vector<std::vector<int64_t>> latencies(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.WaitForNotification();
      latencies[t] = body(t, stop);
    });
  }
  const absl::Time begin = absl::Now();
  start.Notify();
  absl::SleepFor(run);
  stop.store(true);
  for (std::thread& thread : pool) thread.join();
  RunResult result;
  result.elapsed = absl::Now() - begin;
  for (std::vector<int64_t>& l : latencies) {
    result.latencies_ns.insert(result.latencies_ns.end(), l.begin(), l.end());
  }
  result.events = result.latencies_ns.size();
  return result;
}

}  // namespace relog::bench

#endif  // RELOG_STORAGE_BENCH_RUN_THREADS_H_
