#include "encode/writers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <vector>

#include "deepcompress/error.hpp"
#include "encode/stats.hpp"

namespace deepcompress {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
    cp = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    cp = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;  // overlong
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;                        // surrogate
  if (cp > 0x10ffff) return 0;
  return n;
}

// JSON has no NaN/Inf; write null rather than an unparseable file.
void append_number(std::string& out, double value, int n_decimals) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  out += fmt::format("{:.{}f}", value, n_decimals);
}

[[noreturn]] void throw_output_error(const std::filesystem::path& path, const std::string& what,
                                     int err) {
  throw Error(ErrorKind::kOutput, fmt::format("cannot write: {}: {}", what, std::strerror(err)),
              path.string());
}

}  // namespace

// Appends s as a JSON string literal. Valid UTF-8 passes through unchanged;
// invalid bytes become U+FFFD so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out.push_back('"');
}

std::string txt_page(const PageResult& page) {
  std::string out = page.text;
  // pdftotext ends every line, the last one included, with '\n'.
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  out.push_back('\f');
  return out;
}

std::string to_txt(const DocumentResult& document) {
  std::string out;
  for (const PageResult& page : document.pages) out += txt_page(page);
  return out;
}

std::string to_json(const DocumentResult& document, const DocumentStats* stats) {
  std::string out = "{\n  \"path\": ";
  append_json_string(out, document.path);
  out += ",\n  \"status\": ";
  out += document.status == DocumentStatus::kOk ? "\"ok\"" : "\"failed\"";
  if (document.status != DocumentStatus::kOk) {
    out += ",\n  \"error\": ";
    append_json_string(out, document.error);
  }
  const auto append_figures = [&](std::size_t n_faithful, std::size_t n_compact, double ratio,
                                  const WordRecall& words) {
    out += fmt::format("\"n_tokens_faithful\": {}, \"n_tokens_compact\": {}, \"ratio\": ", n_faithful, n_compact);
    append_number(out, ratio, 4);
    out += ", \"recall\": ";
    append_number(out, words.recall(), 4);
    out += fmt::format(", \"n_words\": {}", words.n_words);
  };
  if (stats != nullptr) {
    out += ",\n  \"stats\": {\"tokenizer\": ";
    append_json_string(out, stats->tokenizer);
    out += ", ";
    append_figures(stats->n_tokens_faithful, stats->n_tokens_compact, stats->ratio(), stats->words);
    out += "}";
  }
  out += ",\n  \"pages\": [";
  for (std::size_t p = 0; p < document.pages.size(); ++p) {
    const PageResult& page = document.pages[p];
    out += p == 0 ? "\n    {" : ",\n    {";
    out += fmt::format("\"page\": {}, \"width_px\": {}, \"height_px\": {}, \"text\": ",
                       page.page_number, page.width_px, page.height_px);
    if (stats != nullptr && p < stats->pages.size()) {
      const PageStats& s = stats->pages[p];
      // Figures before "text": a page's numbers stay readable next to its header.
      out.resize(out.size() - std::string_view("\"text\": ").size());
      append_figures(s.n_tokens_faithful, s.n_tokens_compact, s.ratio(), s.words);
      out += ", \"text\": ";
    }
    append_json_string(out, page.text);
    out += ", \"lines\": [";
    for (std::size_t l = 0; l < page.lines.size(); ++l) {
      const TextLine& line = page.lines[l];
      out += l == 0 ? "\n      {\"box\": [" : ",\n      {\"box\": [";
      for (std::size_t k = 0; k < line.quad.size(); ++k) {
        if (k > 0) out += ", ";
        out.push_back('[');
        append_number(out, line.quad[k].x, 1);
        out += ", ";
        append_number(out, line.quad[k].y, 1);
        out.push_back(']');
      }
      out += "], \"text\": ";
      append_json_string(out, line.text);
      out += ", \"confidence\": ";
      append_number(out, line.confidence, 4);
      out.push_back('}');
    }
    out += page.lines.empty() ? "]}" : "\n    ]}";
  }
  out += document.pages.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw Error(ErrorKind::kOutput, "cannot write: not a file name", path.string());
  }
  // Keep the temporary name within NAME_MAX (255) even for long file names.
  const std::string stem = name.size() > 200 ? name.substr(0, 200) : name;
  std::string temp = (dir / ("." + stem + ".tmp.XXXXXX")).string();
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

  if (::fchmod(fd, 0644) != 0) fail("chmod");
  std::size_t n_written = 0;
  while (n_written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + n_written, content.size() - n_written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    n_written += static_cast<std::size_t>(n);
  }
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

}  // namespace deepcompress
