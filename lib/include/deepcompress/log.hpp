#pragma once
// The library logs through one named spdlog logger. The app registers it with
// its sinks and level; if it did not, logging goes nowhere (the library never
// installs sinks or sets levels).
#include <spdlog/spdlog.h>

#include <memory>

namespace deepcompress {

inline constexpr const char* kLoggerName = "deepcompress";

// The "deepcompress" logger, or a silent one if none is registered. Thread-safe.
std::shared_ptr<spdlog::logger> logger();

}  // namespace deepcompress
