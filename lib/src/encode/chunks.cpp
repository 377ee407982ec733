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
  std::string text;  // one line
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

}  // namespace

std::vector<Chunk> make_chunks(const DocumentStructure& structure, const Tokenizer& tokenizer,
                               std::size_t max_tokens) {
  if (max_tokens == 0) max_tokens = 1;
  std::vector<Piece> pieces;
  for (const PageStructure& page : structure.pages) {
    for (const Block& block : page.blocks) {
      const std::string line = dtoon_block_line(block);
      const bool heading = block.kind == BlockKind::kHeading;
      const bool item = block.kind == BlockKind::kListItem;
      if (tokenizer.count(line) <= max_tokens) {
        pieces.push_back({page.page_number, heading, item, line});
        continue;
      }
      for (std::string& part : split_line(line, tokenizer, max_tokens)) {
        pieces.push_back({page.page_number, heading, false, std::move(part)});
      }
    }
  }

  std::vector<Chunk> chunks;
  const auto emit = [&](std::size_t begin, std::size_t end, std::string text, std::size_t n_tokens) {
    chunks.push_back({structure.name, pieces[begin].page, pieces[end - 1].page, std::move(text), n_tokens});
  };
  std::size_t begin = 0;
  while (begin < pieces.size()) {
    // Grow [begin, end) while the joined text fits; counts are exact, not summed estimates.
    std::size_t end = begin + 1;
    std::string text = pieces[begin].text;
    std::size_t n_tokens = tokenizer.count(text);
    while (end < pieces.size()) {
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
    out += "{\"doc\": ";
    append_json_string(out, c.doc);
    out += fmt::format(", \"pages\": [{}, {}], \"text\": ", c.first_page, c.last_page);
    append_json_string(out, c.text);
    out += fmt::format(", \"n_tokens\": {}}}\n", c.n_tokens);
  }
  return out;
}

}  // namespace deepcompress
