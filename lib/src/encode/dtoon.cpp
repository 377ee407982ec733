#include "encode/dtoon.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace deepcompress {
namespace {

constexpr std::string_view kFence = "```";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of an ordered-list marker "N." / "N)" followed by a space, or 0.
std::size_t ordered_marker(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == 0 || i + 1 >= t.size() || (t[i] != '.' && t[i] != ')') || t[i + 1] != ' ') return 0;
  return i + 1;
}

// "~p12" exactly; returns the page number or 0.
int page_marker(std::string_view line) {
  if (!line.starts_with("~p") || line.size() < 3) return 0;
  int n = 0;
  auto [end, ec] = std::from_chars(line.data() + 2, line.data() + line.size(), n);
  return ec == std::errc() && end == line.data() + line.size() && n > 0 ? n : 0;
}

// The lines of a text ('\n'-separated; a text without '\n' is one line).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return lines;
}

std::string_view trim_trailing_cr(std::string_view line) {
  while (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// A paragraph line that would read as something else gets a leading backslash.
bool dtoon_needs_escape(std::string_view t) {
  return t.starts_with('#') || t.starts_with("- ") || t.starts_with('\\') || t.starts_with(kFence) ||
         t.starts_with("table[") || page_marker(t) > 0 || ordered_marker(t) > 0;
}

// Markdown: keep a paragraph line from starting a heading, list, quote, fence, table or rule.
std::string markdown_escape(std::string_view t) {
  if (const std::size_t n = ordered_marker(t); n > 0) {
    return std::string(t.substr(0, n - 1)) + "\\" + std::string(t.substr(n - 1));
  }
  if (!t.empty() && std::string_view("#>+-*=`~|\\").find(t.front()) != std::string_view::npos) {
    return "\\" + std::string(t);
  }
  return std::string(t);
}

// A table cell or header field: '\' and '|' get a backslash.
std::string escape_cell(std::string_view cell) {
  std::string out;
  for (char c : cell) {
    if (c == '\\' || c == '|') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string cells_line(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back('|');
    out += escape_cell(cells[i]);
  }
  return out;
}

// Splits a row at unescaped '|', removing the escapes.
std::vector<std::string> split_cells(std::string_view line) {
  std::vector<std::string> cells(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      cells.back().push_back(line[++i]);
    } else if (line[i] == '|') {
      cells.emplace_back();
    } else {
      cells.back().push_back(line[i]);
    }
  }
  return cells;
}

// "table[N]:" or "table[N]{fields}:"; returns N (>= 0) and sets fields, or -1.
int table_header(std::string_view line, std::string_view& fields) {
  if (!line.starts_with("table[") || !line.ends_with(':')) return -1;
  std::size_t i = 6;
  int n = 0;
  auto [end, ec] = std::from_chars(line.data() + i, line.data() + line.size(), n);
  if (ec != std::errc() || n < 0) return -1;
  i = static_cast<std::size_t>(end - line.data());
  if (i >= line.size() || line[i] != ']') return -1;
  const std::string_view rest = line.substr(i + 1);
  if (rest == ":") {
    fields = {};
    return n;
  }
  if (rest.size() < 3 || rest.front() != '{' || !rest.ends_with("}:")) return -1;
  fields = rest.substr(1, rest.size() - 3);
  return n;
}

// A code line that would close the fence ("```", "\```", ...) gets one more backslash.
bool fence_like(std::string_view line) {
  while (line.starts_with('\\')) line.remove_prefix(1);
  return line.starts_with(kFence);
}

std::string code_block(std::string_view text, bool markdown) {
  std::string fence(kFence);
  if (markdown) {  // longer than any backtick run inside
    std::size_t run = 0;
    for (char c : text) {
      run = c == '`' ? run + 1 : 0;
      if (run >= fence.size()) fence.assign(run + 1, '`');
    }
  }
  std::string out = fence + "\n";
  for (std::string_view line : lines_of(text)) {
    if (!markdown && fence_like(line)) out.push_back('\\');
    out += line;
    out.push_back('\n');
  }
  return out + fence;
}

std::string markdown_table(const Block& b) {
  const std::size_t n_columns = b.rows.empty() ? 0 : b.rows[0].size();
  const auto row = [](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const std::string& c : cells) {
      std::string cell;
      for (char ch : c) {
        if (ch == '|') cell.push_back('\\');
        cell.push_back(ch);
      }
      out += " " + cell + " |";
    }
    return out;
  };
  std::string out = row(b.has_header ? b.rows[0] : std::vector<std::string>(n_columns));
  out += "\n|";
  for (std::size_t c = 0; c < n_columns; ++c) out += " --- |";
  for (std::size_t r = b.has_header ? 1 : 0; r < b.rows.size(); ++r) out += "\n" + row(b.rows[r]);
  return out;
}

std::string block_text(const Block& b, bool markdown) {
  switch (b.kind) {
    case BlockKind::kHeading:
      return std::string(static_cast<std::size_t>(std::max(b.level, 1)), '#') + " " + b.text;
    case BlockKind::kListItem:
      return b.ordered ? b.text : "- " + b.text;
    case BlockKind::kCode:
      return code_block(b.text, markdown);
    case BlockKind::kTable: {
      if (b.rows.empty()) return {};
      if (markdown) return markdown_table(b);
      // A row that writes as an empty line (one empty cell) would end the
      // table when read back: it is not written.
      std::string rows;
      std::size_t n_rows = 0;
      for (std::size_t r = b.has_header ? 1 : 0; r < b.rows.size(); ++r) {
        const std::string line = cells_line(b.rows[r]);
        if (line.empty()) continue;
        rows += "\n" + line;
        ++n_rows;
      }
      std::string out = "table[" + std::to_string(n_rows) + "]";
      if (b.has_header) out += "{" + cells_line(b.rows[0]) + "}";
      return out + ":" + rows;
    }
    case BlockKind::kParagraph:
      break;
  }
  std::string out;
  for (std::string_view line : lines_of(b.text)) {
    if (!out.empty()) out.push_back('\n');
    if (markdown) {
      out += markdown_escape(line);
    } else {
      if (dtoon_needs_escape(line)) out.push_back('\\');
      out += line;
    }
  }
  return out;
}

// Blocks separated by a blank line, list items of a run by a line break.
std::string blocks_text(const std::vector<Block>& blocks, bool markdown) {
  std::string out;
  const Block* previous = nullptr;  // the last block written
  for (const Block& block : blocks) {
    // An empty block (a paragraph read from a lone "\", a table without rows)
    // would only write blank lines, which read back as no block at all.
    const std::string text = block_text(block, markdown);
    if (text.empty()) continue;
    if (previous != nullptr) {
      const bool list_run = previous->kind == BlockKind::kListItem && block.kind == BlockKind::kListItem;
      out += list_run ? "\n" : "\n\n";
    }
    out += text;
    previous = &block;
  }
  if (!out.empty()) out.push_back('\n');
  return out;
}

// `next`, the first block of a page, continues `last`, the last block written before it.
bool continues_paragraph(const Block& last, const Block& next) {
  if (last.kind != BlockKind::kParagraph || next.kind != BlockKind::kParagraph || last.text.empty() ||
      next.text.empty() || last.text.find('\n') != std::string::npos) {
    return false;
  }
  const char end = last.text.back();
  if (end == '.' || end == '!' || end == '?' || end == ':') return false;
  const char start = next.text.front();
  const bool hyphen = end == '-' && last.text.size() >= 2 && std::islower(static_cast<unsigned char>(last.text[last.text.size() - 2]));
  return (start >= 'a' && start <= 'z') || (hyphen && std::isalpha(static_cast<unsigned char>(start)));
}

}  // namespace

std::string dtoon_block(const Block& block) { return block_text(block, false); }

std::string markdown_block(const Block& block) { return block_text(block, true); }

std::string dtoon_page(const PageStructure& page, bool first_page) {
  std::string text = blocks_text(page.blocks, false);
  // Page 1 needs no marker at the top, unless it is empty: with neither text
  // nor a marker it would read back as no page at all.
  if (first_page && page.page_number == 1 && !text.empty()) return text;
  return "~p" + std::to_string(page.page_number) + "\n" + text;
}

std::string to_dtoon(const DocumentStructure& structure) {
  std::string out = "doc: " + structure.name + " pages: " + std::to_string(structure.pages.size()) + "\n";
  for (std::size_t p = 0; p < structure.pages.size(); ++p) out += dtoon_page(structure.pages[p], p == 0);
  return out;
}

std::string to_markdown(const DocumentStructure& structure) {
  // Markdown has no pages: a paragraph that a page break cut (its first part ends without a
  // sentence end, the next page's first block is a paragraph that starts in lower case or
  // finishes a hyphenated word) is written as one.
  std::vector<Block> blocks;
  for (const PageStructure& page : structure.pages) {
    for (std::size_t k = 0; k < page.blocks.size(); ++k) {
      const Block& b = page.blocks[k];
      if (k == 0 && !blocks.empty() && continues_paragraph(blocks.back(), b)) {
        blocks.back().text = join_lines({blocks.back().text, b.text});
        continue;
      }
      blocks.push_back(b);
    }
  }
  return blocks_text(blocks, true);
}

DtoonDocument parse_dtoon(std::string_view text) {
  DtoonDocument doc;
  const std::vector<std::string_view> all = lines_of(text);
  bool paragraph_open = false;  // the last block may take more plain lines
  DtoonPage* page = nullptr;
  const auto current_page = [&]() -> DtoonPage& {
    if (page == nullptr) {
      doc.pages.push_back({1, {}});
      page = &doc.pages.back();
    }
    return *page;
  };
  const auto add = [&](BlockKind kind, int level, bool ordered, std::string text) -> Block& {
    Block b;
    b.kind = kind;
    b.level = level;
    b.ordered = ordered;
    b.text = std::move(text);
    current_page().blocks.push_back(std::move(b));
    return page->blocks.back();
  };
  for (std::size_t k = 0; k < all.size(); ++k) {
    // Carriage returns before a line break are line-break noise (CRLF files),
    // all of them: a text line never ends in one.
    std::string_view line = trim_trailing_cr(all[k]);
    if (k == 0 && line.starts_with("doc: ")) {
      std::string_view rest = line.substr(5);
      if (const auto at = rest.rfind(" pages: "); at != std::string_view::npos) {
        std::string_view count = rest.substr(at + 8);
        std::from_chars(count.data(), count.data() + count.size(), doc.n_pages_declared);
        rest = rest.substr(0, at);
      }
      doc.name = std::string(rest);
      continue;
    }
    if (line.empty()) {
      paragraph_open = false;
      continue;
    }
    if (const int n = page_marker(line); n > 0) {
      doc.pages.push_back({n, {}});
      page = &doc.pages.back();
      paragraph_open = false;
      continue;
    }
    paragraph_open = paragraph_open && page != nullptr && !page->blocks.empty();
    if (line == kFence) {  // code, verbatim up to the closing fence
      std::string code;
      bool first = true;
      for (++k; k < all.size(); ++k) {
        std::string_view c = trim_trailing_cr(all[k]);
        if (c == kFence) break;
        if (c.starts_with('\\') && fence_like(c)) c.remove_prefix(1);
        if (!first) code.push_back('\n');
        first = false;
        code += c;
      }
      add(BlockKind::kCode, 0, false, std::move(code));
      paragraph_open = false;
      continue;
    }
    std::string_view fields;
    if (const int n_rows = table_header(line, fields); n_rows >= 0) {
      Block& b = add(BlockKind::kTable, 0, false, {});
      if (line.find('{') != std::string_view::npos) {
        b.has_header = true;
        b.rows.push_back(split_cells(fields));
      }
      for (int r = 0; r < n_rows && k + 1 < all.size() && !trim_trailing_cr(all[k + 1]).empty(); ++r) {
        const std::string_view row = trim_trailing_cr(all[++k]);
        b.rows.push_back(split_cells(row));
      }
      paragraph_open = false;
      continue;
    }
    std::size_t n_hashes = 0;
    while (n_hashes < line.size() && line[n_hashes] == '#') ++n_hashes;
    if (n_hashes > 0 && n_hashes < line.size() && line[n_hashes] == ' ') {
      add(BlockKind::kHeading, static_cast<int>(n_hashes), false, std::string(line.substr(n_hashes + 1)));
      paragraph_open = false;
      continue;
    }
    if (line.starts_with("- ")) {
      add(BlockKind::kListItem, 0, false, std::string(line.substr(2)));
      paragraph_open = true;
      continue;
    }
    if (ordered_marker(line) > 0) {
      add(BlockKind::kListItem, 0, true, std::string(line));
      paragraph_open = true;
      continue;
    }
    if (line.starts_with('\\')) line.remove_prefix(1);
    if (paragraph_open) {
      page->blocks.back().text += ' ';
      page->blocks.back().text += line;
      continue;
    }
    add(BlockKind::kParagraph, 0, false, std::string(line));
    paragraph_open = true;
  }
  return doc;
}

}  // namespace deepcompress
