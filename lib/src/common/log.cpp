#include "common/log.hpp"

#include <spdlog/sinks/null_sink.h>

namespace deepcompress {

std::shared_ptr<spdlog::logger> logger() {
  if (auto registered = spdlog::get(kLoggerName)) return registered;
  static auto silent = std::make_shared<spdlog::logger>(
      kLoggerName, std::make_shared<spdlog::sinks::null_sink_mt>());
  return silent;
}

}  // namespace deepcompress
