#pragma once
// File I/O every writer shares: atomic writes, leftovers of killed writers, read and compare.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace deepcompress {

// Writes content to a temporary file in path's directory, then renames it
// over path: readers never see a partial file. The file gets mode (umask
// ignored). Throws Error(kOutput) naming the file; leaves no temporary file
// behind on failure.
void write_file_atomic(const std::filesystem::path& path, const std::string& content, unsigned mode = 0644);

// This host's name as write_file_atomic puts it in temporary names
// (".<name>.tmp.<host>.<pid>.XXXXXX"): at most 64 characters, each not a
// letter, digit or '-' replaced by '_'. Thread-safe.
const std::string& temporary_host_tag();

// Checks, before any work, that write_file_atomic can later write a file at
// path: its directory exists or can be created, and a file can be created in
// it (a probe file, removed at once); path is not a directory. Throws
// Error(kOutput) naming path. A full disk passes: it holds an empty file.
void check_writable_file(const std::filesystem::path& path);

// The same for a directory that outputs go under: created if missing.
void check_writable_directory(const std::filesystem::path& dir);

// Removes the temporary files write_file_atomic left under dir (recursively)
// when its process was killed mid-write (kill -9, power loss): those written
// on this host (temporary_host_tag) whose writer pid no longer runs. Another
// host's temporaries (a shared NFS folder) and names without a host (older
// versions) are never removed. Returns the paths removed; never throws.
std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& dir);

// Writes content atomically unless path already holds exactly these bytes
// (then the file, and its mtime, are left alone). Creates parent
// directories. Returns true if it wrote. Throws Error(kOutput) naming path.
bool write_file_if_changed(const std::filesystem::path& path, const std::string& content);

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file_bytes(const std::filesystem::path& path);

}  // namespace deepcompress
