#include "model/cpu_probe.hpp"

#include <asm/prctl.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#ifdef DEEPCOMPRESS_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace deepcompress {
namespace {

// The extended-state component that holds the AMX tile data (Linux uapi).
constexpr unsigned long kXfeatureXtiledata = 18;

bool cpuid_reports_amx_bf16() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool amx_bf16 = (edx >> 22) & 1u;
  const bool amx_tile = (edx >> 24) & 1u;
  return amx_bf16 && amx_tile;
}

}  // namespace

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    const auto start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "unknown-cpu" : line.substr(start);
  }
  return "unknown-cpu";
}

bool request_amx_tile_state() {
  if (!cpuid_reports_amx_bf16()) return false;
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, kXfeatureXtiledata) == 0;
}

bool survives_in_child(const std::function<int()>& probe, int timeout_ms) {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // Nothing of the parent's (buffered output, atexit handlers) may run
    // here, and no OpenMP team: the parent's pool does not survive fork.
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"))) set(1);
    int rc = 1;
    try {
      rc = probe();
    } catch (...) {
    }
    _exit(rc == 0 ? 0 : 1);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (done < 0) return false;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int run_full_isa_bf16_convolution() {
#ifdef DEEPCOMPRESS_HAVE_DNNL
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  // 64 -> 64 channels, 3x3, on 16x16: big enough for oneDNN to pick its
  // blocked (AMX where present) implementation.
  const dnnl::memory::desc src({1, 64, 16, 16}, dt::bf16, tag::any);
  const dnnl::memory::desc weights({64, 64, 3, 3}, dt::bf16, tag::any);
  const dnnl::memory::desc dst({1, 64, 16, 16}, dt::bf16, tag::any);
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             src, weights, dst, {1, 1}, {1, 1}, {1, 1});
  const dnnl::convolution_forward::primitive_desc pd(desc, engine);
  dnnl::memory src_mem(pd.src_desc(), engine), weights_mem(pd.weights_desc(), engine), dst_mem(pd.dst_desc(), engine);
  for (auto* mem : {&src_mem, &weights_mem}) std::memset(mem->get_data_handle(), 0, mem->get_desc().get_size());
  dnnl::convolution_forward(pd).execute(
      stream, {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, weights_mem}, {DNNL_ARG_DST, dst_mem}});
  stream.wait();
  return 0;
#else
  return 1;
#endif
}

CpuFacts::CpuFacts(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::string name = cpu_model_name();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  path_ = dir / (name + ".txt");
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) facts_[line.substr(0, eq)] = line.substr(eq + 3);
  }
}

namespace {

// What this process measured but could not write down, by file (an empty
// path for "no file"), so one process never measures twice.
std::mutex g_unwritten_mutex;
std::map<std::string, std::map<std::string, std::string>> g_unwritten;

}  // namespace

std::optional<std::string> CpuFacts::get(const std::string& key) const {
  if (const auto it = facts_.find(key); it != facts_.end()) return it->second;
  std::lock_guard lock(g_unwritten_mutex);
  const auto& unwritten = g_unwritten[path_.string()];
  if (const auto it = unwritten.find(key); it != unwritten.end()) return it->second;
  return std::nullopt;
}

void CpuFacts::set(const std::string& key, const std::string& value) {
  facts_[key] = value;
  if (!write()) {
    std::lock_guard lock(g_unwritten_mutex);
    g_unwritten[path_.string()][key] = value;
  }
}

bool CpuFacts::write() const {
  if (path_.empty()) return false;
  std::error_code ec;
  // Directories this creates are private (the cache dir may be created here first).
  std::vector<std::filesystem::path> missing;
  for (auto dir = path_.parent_path(); !dir.empty() && !std::filesystem::exists(dir, ec); dir = dir.parent_path()) {
    missing.push_back(dir);
    if (dir == dir.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    std::filesystem::create_directory(*it, ec);
    std::filesystem::permissions(*it, std::filesystem::perms::owner_all, ec);
  }
  const auto tmp = path_.string() + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [k, v] : facts_) out << k << " = " << v << '\n';
    if (!out.flush()) {
      std::filesystem::remove(tmp, ec);
      return false;
    }
  }
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  std::filesystem::rename(tmp, path_, ec);
  if (!ec) return true;
  std::filesystem::remove(tmp, ec);
  return false;
}

}  // namespace deepcompress
