#include "encode/chunks.hpp"

#include <fmt/format.h>

#include "encode/dtoon.hpp"
#include "encode/writers.hpp"

namespace deepcompress {
namespace {

struct Piece {
  int page = 0;
  bool heading = false;
  bool item = false;
  std::string text;                   // one block (or part of one) in Markdown
  std::vector<std::string> headings;  // the heading path at this piece (itself included)
};

// Splits an over-long line at spaces into parts that fit the budget (greedy).
std::vector<std::string> split_line(const std::string& line, const Tokenizer& tokenizer, std::size_t max_tokens) {
  std::vector<std::string> parts;
  std::string current;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string::npos) end = line.size();
    const std::string word = line.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    std::string candidate = current.empty() ? word : current + " " + word;
    if (!current.empty() && tokenizer.count(candidate) > max_tokens) {
      parts.push_back(std::move(current));
      current = word;
    } else {
      current = std::move(candidate);
    }
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

std::string join_pieces(const std::vector<Piece>& pieces, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    if (i > begin) out += pieces[i - 1].item && pieces[i].item ? "\n" : "\n\n";
    out += pieces[i].text;
  }
  return out;
}

// Part of an over-long block: a table's data rows [begin, end) under its header row, or a
// code block's lines [begin, end).
Block part_of(const Block& block, const std::vector<std::string>& code_lines, std::size_t begin, std::size_t end) {
  Block part = block;
  if (block.kind == BlockKind::kTable) {
    const std::size_t first = block.has_header ? 1 : 0;
    part.rows.resize(first);
    part.rows.insert(part.rows.end(), block.rows.begin() + static_cast<long>(first + begin),
                     block.rows.begin() + static_cast<long>(first + end));
  } else {
    part.text.clear();
    for (std::size_t i = begin; i < end; ++i) part.text += (i > begin ? "\n" : "") + code_lines[i];
  }
  return part;
}

// An over-long table or code block in parts that fit, split between rows / lines; a row
// or line that does not fit alone is split at spaces.
std::vector<std::string> split_block(const Block& block, const Tokenizer& tokenizer, std::size_t max_tokens) {
  std::vector<std::string> code_lines;
  std::size_t n_units = 0;  // data rows or code lines
  if (block.kind == BlockKind::kTable) {
    n_units = block.rows.size() - (block.has_header ? 1 : 0);
  } else {
    std::size_t pos = 0;
    while (pos <= block.text.size()) {
      std::size_t end = block.text.find('\n', pos);
      if (end == std::string::npos) end = block.text.size();
      code_lines.push_back(block.text.substr(pos, end - pos));
      pos = end + 1;
    }
    n_units = code_lines.size();
  }
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin < n_units) {
    // Grow [begin, end) while the part fits.
    std::size_t end = begin + 1;
    std::string rendered = markdown_block(part_of(block, code_lines, begin, end));
    if (tokenizer.count(rendered) > max_tokens) {
      for (std::string& p : split_line(rendered, tokenizer, max_tokens)) parts.push_back(std::move(p));
      begin = end;
      continue;
    }
    while (end < n_units) {
      std::string candidate = markdown_block(part_of(block, code_lines, begin, end + 1));
      if (tokenizer.count(candidate) > max_tokens) break;
      rendered = std::move(candidate);
      ++end;
    }
    parts.push_back(std::move(rendered));
    begin = end;
  }
  return parts;
}

}  // namespace

std::vector<Chunk> make_chunks(const DocumentStructure& structure, const Tokenizer& tokenizer,
                               std::size_t max_tokens) {
  if (max_tokens == 0) max_tokens = 1;
  std::vector<Piece> pieces;
  std::vector<std::pair<int, std::string>> path;  // (level, heading text), outermost first
  const auto path_texts = [&] {
    std::vector<std::string> out;
    for (const auto& [level, text] : path) out.push_back(text);
    return out;
  };
  for (const PageStructure& page : structure.pages) {
    for (const Block& block : page.blocks) {
      const std::string text = markdown_block(block);
      const bool heading = block.kind == BlockKind::kHeading;
      const bool item = block.kind == BlockKind::kListItem;
      if (heading) {
        while (!path.empty() && path.back().first >= block.level) path.pop_back();
        path.emplace_back(block.level, block.text);
      }
      if (tokenizer.count(text) <= max_tokens) {
        pieces.push_back({page.page_number, heading, item, text, path_texts()});
        continue;
      }
      const bool by_units = block.kind == BlockKind::kTable || block.kind == BlockKind::kCode;
      for (std::string& part : by_units ? split_block(block, tokenizer, max_tokens)
                                        : split_line(text, tokenizer, max_tokens)) {
        pieces.push_back({page.page_number, heading, false, std::move(part), path_texts()});
      }
    }
  }

  std::vector<Chunk> chunks;
  const auto emit = [&](std::size_t begin, std::size_t end, std::string text, std::size_t n_tokens) {
    std::size_t last_heading = begin;  // the heading path of the chunk's leading headings' last
    while (last_heading + 1 < end && pieces[last_heading].heading && pieces[last_heading + 1].heading) ++last_heading;
    chunks.push_back({structure.name, structure.path, chunks.size(), pieces[begin].page, pieces[end - 1].page,
                      pieces[last_heading].headings, std::move(text), n_tokens});
  };
  std::size_t begin = 0;
  while (begin < pieces.size()) {
    // Grow [begin, end) while the joined text fits; counts are exact, not summed estimates.
    std::size_t end = begin + 1;
    std::string text = pieces[begin].text;
    std::size_t n_tokens = tokenizer.count(text);
    // A heading starts a chunk, unless the chunk so far holds only headings (a title over
    // its first section's heading).
    const auto only_headings = [&](std::size_t e) {
      for (std::size_t i = begin; i < e; ++i) {
        if (!pieces[i].heading) return false;
      }
      return true;
    };
    while (end < pieces.size() && (!pieces[end].heading || only_headings(end))) {
      std::string candidate = join_pieces(pieces, begin, end + 1);
      const std::size_t n = tokenizer.count(candidate);
      if (n > max_tokens) break;
      text = std::move(candidate);
      n_tokens = n;
      ++end;
    }
    // A heading closing a chunk belongs with what follows it.
    std::size_t keep = end;
    while (end < pieces.size() && keep - begin > 1 && pieces[keep - 1].heading) --keep;
    if (keep != end) {
      text = join_pieces(pieces, begin, keep);
      n_tokens = tokenizer.count(text);
      end = keep;
    }
    emit(begin, end, std::move(text), n_tokens);
    begin = end;
  }
  return chunks;
}

std::string to_jsonl(const std::vector<Chunk>& chunks) {
  std::string out;
  for (const Chunk& c : chunks) {
    out += "{\"id\": ";
    append_json_string(out, fmt::format("{}#{}", c.source, c.index));
    out += ", \"source\": ";
    append_json_string(out, c.source);
    out += ", \"doc\": ";
    append_json_string(out, c.doc);
    out += fmt::format(", \"chunk\": {}, \"pages\": [{}, {}], \"headings\": [", c.index, c.first_page, c.last_page);
    for (std::size_t i = 0; i < c.headings.size(); ++i) {
      if (i > 0) out += ", ";
      append_json_string(out, c.headings[i]);
    }
    out += fmt::format("], \"n_tokens\": {}, \"text\": ", c.n_tokens);
    append_json_string(out, c.text);
    out += "}\n";
  }
  return out;
}

}  // namespace deepcompress
