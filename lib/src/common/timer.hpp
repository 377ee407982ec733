#pragma once
// RAII stage timer on steady_clock: adds the elapsed milliseconds to *sink_ms
// when it goes out of scope (or at stop()). On a GPU, synchronize the device
// before the timer stops so the time includes the work.
#include <chrono>

namespace deepcompress {

class ScopedTimer {
 public:
  explicit ScopedTimer(double* sink_ms) : sink_ms_(sink_ms), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { stop(); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;
  // Milliseconds since construction; adds them to the sink once.
  double stop() {
    const double ms = elapsed_ms();
    if (sink_ms_ != nullptr) *sink_ms_ += ms;
    sink_ms_ = nullptr;
    return ms;
  }
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  double* sink_ms_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace deepcompress
