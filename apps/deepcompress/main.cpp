#include <map>
#include <string>

#include "cli.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    if (auto eq = text.find('='); eq != std::string::npos) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return static_cast<int>(deepcompress::cli::run(argc, argv, env));
}
