#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "cli.hpp"
#include "deepcompress/engine.hpp"

extern char** environ;

#ifdef DEEPCOMPRESS_WITH_JEMALLOC
// jemalloc reads its settings from this symbol. Freed pages are kept, never
// given back to the OS (decay -1): batch buffers of the same sizes come back
// every batch, and giving them back costs a page fault per 4 KiB on reuse
// (with the default decay the OCR ran 9x slower). One arena: inference
// threads allocate the big buffers, one pool serves them all.
extern "C" {
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1,narenas:1";
}
#endif

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
