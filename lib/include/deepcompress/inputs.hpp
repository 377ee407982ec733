#pragma once
// Input expansion (files, directories, @lists, stdin lines), the output path
// each input maps to under -o DIR, and shard assignment. Plain filesystem code:
// no models, no process environment (the caller passes stdin's lines in).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace deepcompress {

// One document to process, in the order inputs were given.
struct InputFile {
  std::filesystem::path path;  // the file to open, as given or joined to its directory argument
  // Where its outputs go under the output directory, without the format
  // extension ("a/b/x" -> DIR/a/b/x.txt). Always relative, never has "..".
  std::filesystem::path output_base;
  std::string error;  // non-empty: the input cannot be used ("x.pdf: no such file")
};

struct ExpandedInputs {
  std::vector<InputFile> files;
  std::vector<std::string> warnings;  // one line each: duplicates, unreadable directory entries
  std::vector<std::string> skipped;   // inputs dropped as duplicates of an earlier one (as given)
  // One line per argument that stands for no file at all: a directory with no
  // PDF or image (matching the glob), an empty @FILE list or stdin list
  // ("no inputs found under scans/"). A mistyped path must not pass silently.
  std::vector<std::string> empty;
};

// Expands command-line inputs in order: a regular file is taken as is (its
// kind is sniffed later); a directory is walked recursively (directory
// symlinks are not followed, unreadable subdirectories are skipped) for files
// with a PDF/PNG/JPEG/TIFF extension whose name matches glob (fnmatch; empty =
// any), sorted by path; "@FILE" reads one path per line (blank lines and '#'
// comments ignored, relative paths are relative to the working directory);
// "-" stands for stdin_lines (same syntax as an @FILE). The same file reached
// twice is kept once (warning). Missing inputs are kept with their error set.
// Output bases follow output_base_for(); two inputs whose bases collide keep
// their full file names ("x.pdf" -> "x.pdf.txt"). Arguments that yield no
// file are listed in ExpandedInputs::empty. Throws Error(kConfig) for
// an unreadable @FILE or when two different files still map to one output.
ExpandedInputs expand_inputs(const std::vector<std::string>& args, std::string_view glob,
                             const std::vector<std::string>& stdin_lines);

// Output path (relative, without extension) of a file. dir_arg empty: the
// file was named directly: relative paths are mirrored ("a/b/x.pdf" ->
// "a/b/x"), absolute ones keep only their name. Otherwise the file was found
// in directory dir_arg: "<dir_arg's last component>/<path relative to it>".
// The result is lexically normal and never absolute nor contains "..".
// keep_extension: "x.pdf" -> "x.pdf" instead of "x" (used on collisions).
std::filesystem::path output_base_for(const std::filesystem::path& file, const std::filesystem::path& dir_arg,
                                      bool keep_extension);

// True when a file name has an extension of a supported kind (.pdf, .png,
// .jpg, .jpeg, .tif, .tiff; any case).
bool has_document_extension(const std::filesystem::path& path);

// Shard of an output base for n_shards shards: a hash of its generic path
// text, so the same inputs land on the same shard on every machine.
int shard_of(const std::filesystem::path& output_base, int n_shards);

// "K/N" -> {K, N}; throws Error(kConfig) on bad syntax or K >= N.
std::pair<int, int> parse_shard(std::string_view spec);

}  // namespace deepcompress
