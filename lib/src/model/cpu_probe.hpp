#pragma once
// What this CPU can safely run, found by trying it in a child process rather
// than trusted from a CPU flag. No LibTorch here.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace deepcompress {

// The CPU's model name ("AMD EPYC 9R14 ...", from /proc/cpuinfo), or
// "unknown-cpu". Names files that remember what was measured on this CPU.
std::string cpu_model_name();

// True when the CPU reports AMX tiles with bf16 (cpuid leaf 7) and the kernel
// grants this process the tile state (arch_prctl ARCH_REQ_XCOMP_PERM). Also
// makes the request, which a process must do before its first AMX instruction.
bool request_amx_tile_state();

// Runs probe in a forked child and returns true only when it returns 0
// within timeout_ms. A crash (SIGILL, SIGSEGV), another exit code or a hang
// (the child is killed) is false; the calling process never runs probe.
// Call before this process starts thread pools (OpenMP state does not survive fork).
bool survives_in_child(const std::function<int()>& probe, int timeout_ms);

// The AMX probe body: one small bf16 oneDNN convolution at the CPU's full
// ISA (AMX included). Returns 0 when it ran, 1 without oneDNN. Meant for the
// child of survives_in_child: it sets the process's oneDNN ISA for good.
int run_full_isa_bf16_convolution();

// Facts measured on this CPU (the AMX probe, the faster precision), kept as
// "key = value" lines in dir/<CPU model>.txt so later processes need not
// measure again; what cannot be written (empty dir, read-only file) is kept
// in memory for the rest of the process, so one process never measures twice.
class CpuFacts {
 public:
  explicit CpuFacts(const std::filesystem::path& dir);
  std::optional<std::string> get(const std::string& key) const;
  // Remembers key; the file is rewritten atomically (0600, dir 0700). A file
  // that cannot be written is not an error.
  void set(const std::string& key, const std::string& value);
  const std::filesystem::path& path() const { return path_; }

 private:
  bool write() const;  // false when there is no file or it cannot be written
  std::filesystem::path path_;
  std::map<std::string, std::string> facts_;
};

}  // namespace deepcompress
