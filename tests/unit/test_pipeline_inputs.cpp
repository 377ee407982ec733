#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "deepcompress/error.hpp"
#include "pipeline/inputs.hpp"

using deepcompress::Error;
using deepcompress::expand_inputs;
using deepcompress::output_base_for;
using deepcompress::shard_of;

namespace {

namespace fs = std::filesystem;

// A fresh temp directory that is also the working directory, restored and
// removed at scope exit.
class TempCwd {
 public:
  TempCwd() : old_(fs::current_path()) {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("dc_test_inputs_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    fs::current_path(dir_);
  }
  ~TempCwd() {
    std::error_code ec;
    fs::current_path(old_, ec);
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path old_;
  fs::path dir_;
};

void touch(const fs::path& path) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream(path) << "x";
}

std::vector<std::string> paths_of(const deepcompress::ExpandedInputs& in) {
  std::vector<std::string> out;
  for (const auto& f : in.files) out.push_back(f.path.generic_string());
  return out;
}
std::vector<std::string> bases_of(const deepcompress::ExpandedInputs& in) {
  std::vector<std::string> out;
  for (const auto& f : in.files) out.push_back(f.output_base.generic_string());
  return out;
}

}  // namespace

TEST_CASE("directories are walked recursively, sorted, by document extension", "[pipeline][inputs]") {
  TempCwd cwd;
  for (const char* name : {"d/b.pdf", "d/a.PNG", "d/sub/c.tiff", "d/sub/deeper/e.jpeg", "d/notes.txt",
                           "d/sub/f.json"}) {
    touch(name);
  }
  auto in = expand_inputs({"d"}, "", {});
  CHECK(paths_of(in) ==
        std::vector<std::string>{"d/a.PNG", "d/b.pdf", "d/sub/c.tiff", "d/sub/deeper/e.jpeg"});
  CHECK(bases_of(in) == std::vector<std::string>{"d/a", "d/b", "d/sub/c", "d/sub/deeper/e"});
  // A trailing slash and a nested directory argument: its last component leads.
  CHECK(bases_of(expand_inputs({"d/sub/"}, "", {})) == std::vector<std::string>{"sub/c", "sub/deeper/e"});
  // "." and absolute directories.
  CHECK(bases_of(expand_inputs({"."}, "*.pdf", {})) == std::vector<std::string>{"d/b"});
  CHECK(bases_of(expand_inputs({(cwd.dir() / "d" / "sub").string()}, "", {})) ==
        std::vector<std::string>{"sub/c", "sub/deeper/e"});
}

TEST_CASE("the glob option filters files found in directories, not named files", "[pipeline][inputs]") {
  TempCwd cwd;
  for (const char* name : {"d/a.pdf", "d/b.png", "d/sub/c.pdf", "x.png"}) touch(name);
  auto in = expand_inputs({"d", "x.png"}, "*.pdf", {});
  CHECK(paths_of(in) == std::vector<std::string>{"d/a.pdf", "d/sub/c.pdf", "x.png"});
  CHECK(paths_of(expand_inputs({"d"}, "[ab].*", {})) == std::vector<std::string>{"d/a.pdf", "d/b.png"});
}

TEST_CASE("@list and stdin lines: one path per line, comments and blanks ignored", "[pipeline][inputs]") {
  TempCwd cwd;
  for (const char* name : {"a.pdf", "b.pdf", "d/c.pdf"}) touch(name);
  std::ofstream("list.txt") << "# inputs\n\na.pdf\r\n  d  \n# b.pdf\n";
  auto in = expand_inputs({"@list.txt"}, "", {});
  CHECK(paths_of(in) == std::vector<std::string>{"a.pdf", "d/c.pdf"});
  auto from_stdin = expand_inputs({"-"}, "", {"b.pdf", "", "# no", "missing.pdf"});
  CHECK(paths_of(from_stdin) == std::vector<std::string>{"b.pdf", "missing.pdf"});
  CHECK(from_stdin.files[0].error.empty());
  CHECK(from_stdin.files[1].error == "missing.pdf: no such file");
  CHECK_THROWS_AS(expand_inputs({"@nope.txt"}, "", {}), Error);
}

TEST_CASE("arguments that stand for no file are reported, each named", "[pipeline][inputs]") {
  TempCwd cwd;
  fs::create_directories("empty/sub");
  touch("texts/notes.txt");
  touch("pdfs/a.pdf");
  touch("one.pdf");
  std::ofstream("list.txt") << "# nothing yet\n\n";
  auto in = expand_inputs({"empty", "texts/", "pdfs", "@list.txt", "-", "one.pdf"}, "", {"", "# none"});
  CHECK(paths_of(in) == std::vector<std::string>{"pdfs/a.pdf", "one.pdf"});
  REQUIRE(in.empty.size() == 4);
  CHECK(in.empty[0].starts_with("no inputs found under empty "));
  CHECK(in.empty[1].starts_with("no inputs found under texts/ "));
  CHECK(in.empty[2] == "no inputs found in the list list.txt");
  CHECK(in.empty[3].starts_with("no inputs found on stdin"));
  // A glob that matches nothing says so.
  auto globbed = expand_inputs({"pdfs"}, "*.png", {});
  REQUIRE(globbed.empty.size() == 1);
  CHECK(globbed.empty[0] == "no inputs found under pdfs (no file matching --glob '*.png')");
  CHECK(expand_inputs({"pdfs", "one.pdf"}, "", {}).empty.empty());
}

TEST_CASE("the same file reached twice is processed once, with a warning", "[pipeline][inputs]") {
  TempCwd cwd;
  touch("d/a.pdf");
  touch("d/b.pdf");
  fs::create_symlink("d/a.pdf", "link.pdf");
  auto in = expand_inputs({"d/a.pdf", "d", "./d/a.pdf", "link.pdf"}, "", {});
  CHECK(paths_of(in) == std::vector<std::string>{"d/a.pdf", "d/b.pdf"});
  // d/a.pdf again inside d, as ./d/a.pdf and through link.pdf.
  CHECK(in.skipped == std::vector<std::string>{"d/a.pdf", "./d/a.pdf", "link.pdf"});
  CHECK(in.warnings.size() == 3);
}

TEST_CASE("symlink loops terminate and directory symlinks are not followed", "[pipeline][inputs]") {
  TempCwd cwd;
  touch("d/a.pdf");
  touch("outside/z.pdf");
  fs::create_directory_symlink("..", "d/up");         // a loop
  fs::create_directory_symlink("../outside", "d/out");  // not followed
  fs::create_symlink("self.pdf", "d/self.pdf");       // ELOOP on stat
  auto in = expand_inputs({"d"}, "", {});
  CHECK(paths_of(in) == std::vector<std::string>{"d/a.pdf"});
}

TEST_CASE("output mapping mirrors inputs and never escapes the output directory", "[pipeline][inputs]") {
  CHECK(output_base_for("a/b/x.pdf", {}, false) == "a/b/x");
  CHECK(output_base_for("a/./c/../b/x.pdf", {}, false) == "a/b/x");
  CHECK(output_base_for("/abs/path/x.pdf", {}, false) == "x");
  CHECK(output_base_for("scans/2024/x.png", "scans", false) == "scans/2024/x");
  CHECK(output_base_for("/data/scans/x.png", "/data/scans", false) == "scans/x");
  CHECK(output_base_for("x.pdf", {}, true) == "x.pdf");
  // Hostile names: whatever the input, the base is relative and has no "..".
  for (const char* hostile : {"../x.pdf", "../../../etc/passwd.pdf", "a/../../x.pdf", "./../a/../../b/x.pdf",
                              "..", "/", "/..", "....pdf", "a/..pdf"}) {
    for (const char* dir : {"", "..", "/", "../.."}) {
      INFO(hostile << " in " << dir);
      fs::path base = output_base_for(hostile, dir, false);
      CHECK_FALSE(base.empty());
      CHECK(base.is_relative());
      for (const auto& part : base) {
        CHECK(part != "..");
        CHECK(part != ".");
      }
      CHECK((fs::path("/out") / base).lexically_normal().string().rfind("/out/", 0) == 0);
    }
  }
  CHECK(output_base_for("../../x.pdf", {}, false) == "x");
}

TEST_CASE("colliding outputs keep their full names; unresolvable ones are errors", "[pipeline][inputs]") {
  TempCwd cwd;
  for (const char* name : {"d/x.pdf", "d/x.png", "d/y.pdf", "d/x.pdf.tif"}) touch(name);
  auto in = expand_inputs({"d"}, "", {});
  CHECK(paths_of(in) == std::vector<std::string>{"d/x.pdf", "d/x.pdf.tif", "d/x.png", "d/y.pdf"});
  // x.pdf and x.png collide on d/x; kept whole, x.pdf then collides with x.pdf.tif's stem.
  CHECK(bases_of(in) == std::vector<std::string>{"d/x.pdf", "d/x.pdf.tif", "d/x.png", "d/y"});

  touch("one/scans/a.pdf");
  touch("two/scans/a.pdf");
  CHECK_THROWS_AS(expand_inputs({"one/scans", "two/scans"}, "", {}), Error);
}

TEST_CASE("shards are complete and disjoint", "[pipeline][inputs]") {
  for (int n_shards : {1, 2, 3, 7}) {
    std::set<int> seen_shards;
    std::vector<int> counts(n_shards, 0);
    for (int i = 0; i < 100; ++i) {
      const fs::path base = "dir/sub" + std::to_string(i % 5) + "/doc" + std::to_string(i);
      const int shard = shard_of(base, n_shards);
      REQUIRE(shard >= 0);
      REQUIRE(shard < n_shards);
      CHECK(shard_of(base, n_shards) == shard);  // deterministic
      ++counts[shard];
    }
    int total = 0;
    for (int c : counts) total += c;
    CHECK(total == 100);  // each path in exactly one shard: union complete, pairwise disjoint
    for (int c : counts) CHECK(c > 0);  // 100 paths spread over every shard
  }
  // Fixed across machines and builds: the hash is sha256 of the path text.
  CHECK(shard_of("a/b/x", 1) == 0);
  CHECK(deepcompress::parse_shard("2/5") == std::pair<int, int>{2, 5});
  for (const char* bad : {"5/5", "-1/2", "1", "a/b", "1/0", ""}) CHECK_THROWS_AS(deepcompress::parse_shard(bad), Error);
}
