#include "common/file_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_output_error(const std::filesystem::path& path, const std::string& what,
                                     int err) {
  throw Error(ErrorKind::kOutput, fmt::format("cannot write: {}: {}", what, std::strerror(err)),
              path.string());
}

}  // namespace

namespace {

// The mkstemp template of a temporary file for name in dir.
std::string temporary_template(const std::filesystem::path& dir, const std::string& name) {
  // Keep the temporary name within NAME_MAX (255) even for long file names
  // (host tag <= 64, pid <= 10 digits).
  const std::string stem = name.size() > 160 ? name.substr(0, 160) : name;
  // The writer's host and pid are in the name, so that a later run on the
  // same host can tell the leftovers of a killed writer
  // (remove_stale_temporaries) from live ones, and leaves other hosts' alone.
  return (dir / fmt::format(".{}.tmp.{}.{}.XXXXXX", stem, temporary_host_tag(), ::getpid())).string();
}

}  // namespace

void check_writable_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::kOutput, "cannot create directory: " + ec.message(), dir.string());
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error(ErrorKind::kOutput, "cannot write: not a directory", dir.string());
  }
  std::string probe = temporary_template(dir, "deepcompress-probe");
  std::vector<char> probe_buf(probe.begin(), probe.end());
  probe_buf.push_back('\0');
  const int fd = ::mkstemp(probe_buf.data());
  if (fd < 0) throw_output_error(dir, "cannot create a file", errno);
  ::close(fd);
  ::unlink(probe_buf.data());
}

void check_writable_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  std::error_code ec;
  if (name.empty() || name == "." || name == ".." || std::filesystem::is_directory(path, ec)) {
    throw Error(ErrorKind::kOutput, "cannot write: not a file name (a directory?)", path.string());
  }
  try {
    check_writable_directory(path.has_parent_path() ? path.parent_path() : ".");
  } catch (const Error& e) {
    throw Error(ErrorKind::kOutput, e.what(), path.string());  // names both the file and its directory
  }
}

void write_file_atomic(const std::filesystem::path& path, const std::string& content, unsigned mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw Error(ErrorKind::kOutput, "cannot write: not a file name", path.string());
  }
  std::string temp = temporary_template(dir, name);
  std::vector<char> temp_buf(temp.begin(), temp.end());
  temp_buf.push_back('\0');

  // mkstemp creates the file 0600 so no one reads it half-written.
  const int fd = ::mkstemp(temp_buf.data());
  if (fd < 0) throw_output_error(path, "cannot create a temporary file", errno);
  temp.assign(temp_buf.data());

  const auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    throw_output_error(path, what, err);
  };

  std::size_t n_written = 0;
  while (n_written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + n_written, content.size() - n_written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    n_written += static_cast<std::size_t>(n);
  }
  // Readable by others only once complete, just before the rename.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) fail("chmod");
  // fsync before rename: otherwise a crash can leave a renamed, empty file.
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw_output_error(path, "close", err);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw_output_error(path, "rename", err);
  }
  // Make the rename itself durable; failing here loses nothing already written.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

const std::string& temporary_host_tag() {
  static const std::string tag = [] {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return std::string("unknown-host");
    std::string out;
    for (const char* c = name; *c != '\0' && out.size() < 64; ++c) {
      const bool keep = std::isalnum(static_cast<unsigned char>(*c)) != 0 || *c == '-';
      out += keep ? *c : '_';  // no dots: the name's fields are dot-separated
    }
    return out;
  }();
  return tag;
}

std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> removed;
  const std::string& own_host = temporary_host_tag();
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // ".<name>.tmp.<host>.<pid>.XXXXXX", as write_file_atomic names them, read from the right.
    if (name.size() < 2 || name[0] != '.') continue;
    const auto end_pid = name.rfind('.');
    if (end_pid == std::string::npos || end_pid == 0 || name.size() - end_pid - 1 != 6) continue;
    const auto end_host = name.rfind('.', end_pid - 1);
    if (end_host == std::string::npos || end_host == 0) continue;
    const auto end_name = name.rfind('.', end_host - 1);
    if (end_name == std::string::npos || end_name < 6 || name.compare(end_name - 4, 4, ".tmp") != 0) continue;
    const std::string pid_text = name.substr(end_host + 1, end_pid - end_host - 1);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) {
      continue;
    }
    // Another host's writer cannot be judged by pid here: its file is never touched.
    if (name.compare(end_name + 1, end_host - end_name - 1, own_host) != 0) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    std::error_code is_file_ec;
    if (!it->is_regular_file(is_file_ec) || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its writer may still be running
    if (fs::remove(it->path(), is_file_ec)) removed.push_back(it->path());
  }
  return removed;
}

std::optional<std::string> read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

bool write_file_if_changed(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == content.size() && !ec) {
    if (auto existing = read_file_bytes(path); existing && *existing == content) return false;
  }
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error(ErrorKind::kOutput, "cannot create directory: " + ec.message(), path.parent_path());
  }
  write_file_atomic(path, content);
  return true;
}

}  // namespace deepcompress
