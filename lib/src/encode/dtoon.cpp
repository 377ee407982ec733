#include "encode/dtoon.hpp"

#include <algorithm>
#include <charconv>

namespace deepcompress {
namespace {

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

// A paragraph that would read as something else gets a leading backslash.
bool dtoon_needs_escape(std::string_view t) {
  return t.starts_with('#') || t.starts_with("- ") || t.starts_with('\\') || page_marker(t) > 0 ||
         ordered_marker(t) > 0;
}

std::string block_line(const Block& b, bool markdown) {
  switch (b.kind) {
    case BlockKind::kHeading:
      return std::string(static_cast<std::size_t>(std::max(b.level, 1)), '#') + " " + b.text;
    case BlockKind::kListItem:
      return b.ordered ? b.text : "- " + b.text;
    case BlockKind::kParagraph:
      break;
  }
  if (!markdown) return dtoon_needs_escape(b.text) ? "\\" + b.text : b.text;
  // Markdown: keep a paragraph from starting a heading, list, quote, fence or rule.
  if (const std::size_t n = ordered_marker(b.text); n > 0) {
    return b.text.substr(0, n - 1) + "\\" + b.text.substr(n - 1);
  }
  if (!b.text.empty() && std::string_view("#>+-*=`~|\\").find(b.text.front()) != std::string_view::npos) {
    return "\\" + b.text;
  }
  return b.text;
}

// Blocks one per line: a blank line between blocks, a line break between list items.
std::string blocks_text(const std::vector<Block>& blocks, bool markdown) {
  std::string out;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) {
      const bool list_run = blocks[i - 1].kind == BlockKind::kListItem && blocks[i].kind == BlockKind::kListItem;
      out += list_run ? "\n" : "\n\n";
    }
    out += block_line(blocks[i], markdown);
  }
  if (!out.empty()) out.push_back('\n');
  return out;
}

}  // namespace

std::string dtoon_block_line(const Block& block) { return block_line(block, false); }

std::string dtoon_page(const PageStructure& page, bool first_page) {
  std::string out;
  if (!first_page || page.page_number != 1) out += "~p" + std::to_string(page.page_number) + "\n";
  out += blocks_text(page.blocks, false);
  return out;
}

std::string to_dtoon(const DocumentStructure& structure) {
  std::string out = "doc: " + structure.name + " pages: " + std::to_string(structure.pages.size()) + "\n";
  for (std::size_t p = 0; p < structure.pages.size(); ++p) out += dtoon_page(structure.pages[p], p == 0);
  return out;
}

std::string to_markdown(const DocumentStructure& structure) {
  std::string out;
  for (const PageStructure& page : structure.pages) {
    const std::string text = blocks_text(page.blocks, true);
    if (text.empty()) continue;
    if (!out.empty()) out.push_back('\n');
    out += text;
  }
  return out;
}

DtoonDocument parse_dtoon(std::string_view text) {
  DtoonDocument doc;
  std::size_t pos = 0;
  bool first_line = true;
  bool paragraph_open = false;  // the last block may take more plain lines
  DtoonPage* page = nullptr;
  const auto current_page = [&]() -> DtoonPage& {
    if (page == nullptr) {
      doc.pages.push_back({1, {}});
      page = &doc.pages.back();
    }
    return *page;
  };
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first_line) {
      first_line = false;
      if (line.starts_with("doc: ")) {
        std::string_view rest = line.substr(5);
        if (const auto at = rest.rfind(" pages: "); at != std::string_view::npos) {
          std::string_view count = rest.substr(at + 8);
          std::from_chars(count.data(), count.data() + count.size(), doc.n_pages_declared);
          rest = rest.substr(0, at);
        }
        doc.name = std::string(rest);
        continue;
      }
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
    DtoonPage& p = current_page();
    std::size_t n_hashes = 0;
    while (n_hashes < line.size() && line[n_hashes] == '#') ++n_hashes;
    if (n_hashes > 0 && n_hashes < line.size() && line[n_hashes] == ' ') {
      p.blocks.push_back({BlockKind::kHeading, static_cast<int>(n_hashes), false, std::string(line.substr(n_hashes + 1))});
      paragraph_open = false;
      continue;
    }
    if (line.starts_with("- ")) {
      p.blocks.push_back({BlockKind::kListItem, 0, false, std::string(line.substr(2))});
      paragraph_open = true;
      continue;
    }
    if (ordered_marker(line) > 0) {
      p.blocks.push_back({BlockKind::kListItem, 0, true, std::string(line)});
      paragraph_open = true;
      continue;
    }
    if (line.starts_with('\\')) line.remove_prefix(1);
    if (paragraph_open && !p.blocks.empty()) {
      p.blocks.back().text += ' ';
      p.blocks.back().text += line;
      continue;
    }
    p.blocks.push_back({BlockKind::kParagraph, 0, false, std::string(line)});
    paragraph_open = true;
  }
  return doc;
}

}  // namespace deepcompress
