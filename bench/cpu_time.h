// CPU time of this process, for the whole-workload benchmarks: on a machine shared with other
// builds the wall time mostly waits for a core, so they print both.
#pragma once

#include <ctime>

namespace leakwatch::bench {

inline double cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace leakwatch::bench
