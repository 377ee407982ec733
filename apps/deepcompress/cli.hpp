#pragma once
// The command-line front end: the only code that reads argv and the
// environment, prints to stdout and chooses the exit code.
#include <map>
#include <string>

namespace deepcompress::cli {

// Process exit codes; --help prints this table and README documents it.
enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,     // a bug or an unexpected failure
  kUsage = 2,        // bad command line or configuration
  kModel = 3,        // models missing/corrupt or device unavailable
  kInputFailed = 4,  // one or more input documents failed (the others were processed)
  kOutput = 5,       // an output could not be written
  kInterrupted = 130,  // SIGINT (128 + signal number; SIGTERM gives 143): finished documents are kept
};

// Runs deepcompress with argv and a snapshot of the environment. Never throws.
ExitCode run(int argc, char** argv, const std::map<std::string, std::string>& env);

}  // namespace deepcompress::cli
