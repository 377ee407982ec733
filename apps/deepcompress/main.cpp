#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "cli.hpp"
#include "deepcompress/engine.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    if (auto eq = text.find('='); eq != std::string::npos) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  const int code = static_cast<int>(deepcompress::cli::run(argc, argv, env));
  if (deepcompress::n_stalled_render_threads() > 0) {
    // A page past --timeout-per-page is still being rendered by a thread that
    // cannot be interrupted: leave without running destructors under it.
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}
