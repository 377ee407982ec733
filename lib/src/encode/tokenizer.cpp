#include "encode/tokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <queue>
#include <sstream>
#include <utility>

#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

constexpr std::uint32_t kNoRank = std::numeric_limits<std::uint32_t>::max();

// Unicode White_Space, which is what tiktoken's `\s` (Rust regex) means. PCRE2's own
// `\s` differs (it adds U+180E) and JavaScript's adds U+FEFF, so the patterns spell it out.
#define DC_WS \
  "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

// tiktoken's patterns (tiktoken_ext/openai_public.py), with \s / \S / [^\s...] written
// with DC_WS. `$` must mean end of subject only (PCRE2_DOLLAR_ENDONLY), as in Rust.
constexpr const char* kCl100kPattern =
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^" DC_WS
    "\\p{L}\\p{N}]++[\\r\\n]*+|[" DC_WS "]++$|[" DC_WS "]*[\\r\\n]|[" DC_WS "]+(?![^" DC_WS "])|[" DC_WS "]";

constexpr const char* kO200kPattern =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}"
    "| ?[^" DC_WS
    "\\p{L}\\p{N}]+[\\r\\n/]*"
    "|[" DC_WS
    "]*[\\r\\n]+"
    "|[" DC_WS "]+(?![^" DC_WS
    "])"
    "|[" DC_WS "]+";
#undef DC_WS

struct EncodingSpec {
  const char* name;
  const char* pattern;
  std::size_t n_tokens;  // ranks 0 .. n_tokens - 1, all present
};
constexpr std::array<EncodingSpec, 2> kEncodings{{
    {"o200k_base", kO200kPattern, 199998},
    {"cl100k_base", kCl100kPattern, 100256},
}};

// Pieces longer than this use the O(n log n) heap merge instead of tiktoken's O(n^2)
// scan, so a megabyte-long "word" cannot stall encoding. Both give identical results.
constexpr std::size_t kMaxScanMergeBytes = 128;

std::uint64_t hash_bytes(std::string_view s) {
  // Short keys dominate: an 8-bytes-at-a-time multiply-xorshift is enough.
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xff51afd7ed558ccdull);
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
  }
  h ^= h >> 32;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 29;
  return h;
}

std::string model_hint() { return "; run scripts/setup (it calls scripts/fetch_tokenizer models/tokenizer)"; }

// Strict base64 (with padding), as written in .tiktoken files. Returns false if invalid.
bool decode_base64(std::string_view in, std::string& out) {
  static const auto table = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  out.clear();
  if (in.empty() || in.size() % 4 != 0) return false;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int n_pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++n_pad;
      } else if (n_pad > 0 || (v[k] = table[static_cast<unsigned char>(c)]) < 0) {
        return false;
      }
    }
    const std::uint32_t triple = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(triple >> 16));
    if (n_pad < 2) out.push_back(static_cast<char>((triple >> 8) & 0xff));
    if (n_pad < 1) out.push_back(static_cast<char>(triple & 0xff));
  }
  return true;
}

// Per-thread PCRE2 state: match data and JIT stack are not shareable between threads,
// and creating them per call would cost more than encoding a short text.
struct MatchState {
  pcre2_match_data* match_data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  MatchState() {
    match_data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (context && jit_stack) pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~MatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(match_data);
  }
  MatchState(const MatchState&) = delete;
  MatchState& operator=(const MatchState&) = delete;
};

MatchState& match_state() {
  thread_local MatchState state;
  if (!state.match_data || !state.context) throw Error(ErrorKind::kInternal, "PCRE2: out of memory");
  return state;
}

}  // namespace

struct Tokenizer::Impl {
  struct Slot {
    std::uint32_t hash_low = 0;
    std::uint32_t rank_plus_1 = 0;  // 0 = empty slot
  };

  std::string name;
  std::string arena;                  // all token bytes, by rank
  std::vector<std::uint32_t> offset;  // rank -> arena offset; offset[n] = arena.size()
  std::vector<Slot> slots;            // open addressing, power-of-two size
  std::uint64_t slot_mask = 0;
  std::array<std::uint32_t, 256> byte_rank{};
  pcre2_code* regex = nullptr;
  bool jit = false;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { pcre2_code_free(regex); }

  std::string_view token(std::uint32_t rank) const {
    return std::string_view(arena).substr(offset[rank], offset[rank + 1] - offset[rank]);
  }

  std::uint32_t rank_of(std::string_view bytes) const {
    const std::uint64_t h = hash_bytes(bytes);
    for (std::uint64_t i = h & slot_mask;; i = (i + 1) & slot_mask) {
      const Slot& s = slots[i];
      if (s.rank_plus_1 == 0) return kNoRank;
      if (s.hash_low == static_cast<std::uint32_t>(h) && token(s.rank_plus_1 - 1) == bytes) {
        return s.rank_plus_1 - 1;
      }
    }
  }

  // Returns false if bytes is already present.
  bool insert(std::string_view bytes, std::uint32_t rank) {
    const std::uint64_t h = hash_bytes(bytes);
    for (std::uint64_t i = h & slot_mask;; i = (i + 1) & slot_mask) {
      Slot& s = slots[i];
      if (s.rank_plus_1 == 0) {
        s = Slot{static_cast<std::uint32_t>(h), rank + 1};
        return true;
      }
      if (s.hash_low == static_cast<std::uint32_t>(h) && token(s.rank_plus_1 - 1) == bytes) return false;
    }
  }

  // Splits piece into its BPE parts and calls emit(part_bytes) for each, in order.
  template <typename Emit>
  void merge(std::string_view piece, Emit&& emit) const;
  template <typename Emit>
  void merge_scan(std::string_view piece, Emit&& emit) const;
  template <typename Emit>
  void merge_heap(std::string_view piece, Emit&& emit) const;

  // Calls on_piece(piece_bytes) for each pre-token of text, in order, including runs of
  // invalid UTF-8 (which the regex cannot match).
  template <typename OnPiece>
  void split(std::string_view text, OnPiece&& on_piece) const;
};

template <typename Emit>
void Tokenizer::Impl::merge(std::string_view piece, Emit&& emit) const {
  if (piece.size() > kMaxScanMergeBytes) {
    merge_heap(piece, emit);
  } else {
    merge_scan(piece, emit);
  }
}

// tiktoken's _byte_pair_merge: repeatedly merge the adjacent pair whose concatenation has
// the lowest rank (leftmost on ties) until no adjacent pair is a token.
template <typename Emit>
void Tokenizer::Impl::merge_scan(std::string_view piece, Emit&& emit) const {
  struct Part {
    std::uint32_t start;
    std::uint32_t rank;  // rank of this part merged with the next one
  };
  std::array<Part, kMaxScanMergeBytes + 1> parts;
  const std::size_t n = piece.size();
  std::size_t n_parts = n + 1;           // the last entry only marks the end
  auto pair_rank = [&](std::size_t i) {  // rank of parts i and i + 1 merged
    if (i + 2 >= n_parts) return kNoRank;
    return rank_of(piece.substr(parts[i].start, parts[i + 2].start - parts[i].start));
  };
  for (std::size_t i = 0; i < n_parts; ++i) parts[i].start = static_cast<std::uint32_t>(i);
  for (std::size_t i = 0; i < n_parts; ++i) parts[i].rank = pair_rank(i);
  for (;;) {
    std::uint32_t best_rank = kNoRank;
    std::size_t best = 0;
    for (std::size_t i = 0; i + 2 < n_parts; ++i) {
      if (parts[i].rank < best_rank) {
        best_rank = parts[i].rank;
        best = i;
      }
    }
    if (best_rank == kNoRank) break;
    std::copy(parts.begin() + best + 2, parts.begin() + n_parts, parts.begin() + best + 1);
    --n_parts;
    parts[best].rank = pair_rank(best);
    if (best > 0) parts[best - 1].rank = pair_rank(best - 1);
  }
  for (std::size_t i = 0; i + 1 < n_parts; ++i) {
    emit(piece.substr(parts[i].start, parts[i + 1].start - parts[i].start));
  }
}

// Same merge order as merge_scan (lowest rank, then lowest start), with a doubly linked
// list of parts and a min-heap of candidate pairs; stale heap entries are skipped.
template <typename Emit>
void Tokenizer::Impl::merge_heap(std::string_view piece, Emit&& emit) const {
  const std::uint32_t n = static_cast<std::uint32_t>(piece.size());
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  // Parts are named by their start byte; next[start] is the following part's start (n at end).
  std::vector<std::uint32_t> next(n), prev(n), version(n, 0);
  std::vector<bool> alive(n, true);
  for (std::uint32_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? kNone : i - 1;
  }
  struct Candidate {
    std::uint32_t rank, start, version;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : start > o.start; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push_pair = [&](std::uint32_t start) {
    ++version[start];
    const std::uint32_t mid = next[start];
    if (mid >= n) return;
    const std::uint32_t end = next[mid];
    const std::uint32_t rank = rank_of(piece.substr(start, end - start));
    if (rank != kNoRank) heap.push({rank, start, version[start]});
  };
  for (std::uint32_t i = 0; i + 1 < n; ++i) push_pair(i);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    if (!alive[c.start] || version[c.start] != c.version) continue;
    const std::uint32_t mid = next[c.start];
    alive[mid] = false;
    next[c.start] = next[mid];
    if (next[mid] < n) prev[next[mid]] = c.start;
    push_pair(c.start);
    if (prev[c.start] != kNone) push_pair(prev[c.start]);
  }
  for (std::uint32_t i = 0; i < n; i = next[i]) emit(piece.substr(i, next[i] - i));
}

template <typename OnPiece>
void Tokenizer::Impl::split(std::string_view text, OnPiece&& on_piece) const {
  MatchState& state = match_state();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const PCRE2_SIZE length = text.size();
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.match_data);
  PCRE2_SIZE pos = 0;
  while (pos < length) {
    int rc = jit ? pcre2_jit_match(regex, subject, length, pos, 0, state.match_data, state.context)
                 : pcre2_match(regex, subject, length, pos, 0, state.match_data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) {  // only invalid UTF-8 is left
      on_piece(text.substr(pos));
      return;
    }
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof message);
      throw Error(ErrorKind::kInternal, "tokenizer: PCRE2 match failed at byte " + std::to_string(pos) +
                                            ": " + reinterpret_cast<const char*>(message));
    }
    PCRE2_SIZE start = ovector[0];
    PCRE2_SIZE end = ovector[1];
    if (start > pos) on_piece(text.substr(pos, start - pos));  // skipped invalid UTF-8
    if (end <= start) end = start + 1;  // no pattern branch matches empty; never loop forever
    on_piece(text.substr(start, end - start));
    pos = end;
  }
}

Tokenizer Tokenizer::load(const std::filesystem::path& dir, const std::string& name) {
  const EncodingSpec* spec = nullptr;
  for (const EncodingSpec& e : kEncodings) {
    if (name == e.name) spec = &e;
  }
  if (!spec) {
    throw Error(ErrorKind::kConfig,
                "unknown tokenizer encoding '" + name + "' (expected o200k_base or cl100k_base)");
  }
  const std::filesystem::path path = dir / (name + ".tiktoken");
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kModel, "tokenizer rank file missing or unreadable" + model_hint(), file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  auto impl = std::make_shared<Impl>();
  impl->name = name;
  const std::size_t n = spec->n_tokens;
  // Ranks may appear in any order in the file; collect, then lay out by rank.
  std::vector<std::string> tokens(n);
  std::vector<bool> seen(n, false);
  std::size_t line_no = 0;
  std::size_t n_lines = 0;
  std::string bytes;
  for (std::size_t pos = 0; pos < content.size();) {
    std::size_t eol = content.find('\n', pos);
    if (eol == std::string::npos) eol = content.size();
    const std::string_view line(content.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    auto corrupt = [&](const std::string& why) {
      return Error(
          ErrorKind::kModel,
          "corrupt tokenizer rank file (line " + std::to_string(line_no) + ": " + why + ")" + model_hint(),
          file);
    };
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) throw corrupt("expected '<base64> <rank>'");
    if (!decode_base64(line.substr(0, space), bytes)) throw corrupt("bad base64");
    const std::string_view rank_text = line.substr(space + 1);
    std::uint64_t rank = 0;
    if (rank_text.empty() || rank_text.size() > 9) throw corrupt("bad rank");
    for (char c : rank_text) {
      if (c < '0' || c > '9') throw corrupt("bad rank");
      rank = rank * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (rank >= n) throw corrupt("rank " + std::to_string(rank) + " out of range for " + name);
    if (seen[rank]) throw corrupt("duplicate rank " + std::to_string(rank));
    seen[rank] = true;
    tokens[rank] = bytes;
    ++n_lines;
  }
  if (n_lines != n) {
    throw Error(ErrorKind::kModel,
                "corrupt tokenizer rank file (" + std::to_string(n_lines) + " ranks, expected " +
                    std::to_string(n) + ")" + model_hint(),
                file);
  }

  impl->offset.reserve(n + 1);
  for (const std::string& t : tokens) {
    impl->offset.push_back(static_cast<std::uint32_t>(impl->arena.size()));
    impl->arena += t;
  }
  impl->offset.push_back(static_cast<std::uint32_t>(impl->arena.size()));
  std::size_t n_slots = 1;
  while (n_slots < 2 * n) n_slots <<= 1;  // load factor <= 0.5 keeps probes short
  impl->slots.assign(n_slots, {});
  impl->slot_mask = n_slots - 1;
  for (std::uint32_t r = 0; r < n; ++r) {
    if (!impl->insert(impl->token(r), r)) {
      throw Error(
          ErrorKind::kModel,
          "corrupt tokenizer rank file (duplicate token for rank " + std::to_string(r) + ")" + model_hint(),
          file);
    }
  }
  // Every byte must be a token, or some inputs could not be encoded at all.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const std::uint32_t r = impl->rank_of(std::string_view(&c, 1));
    if (r == kNoRank) {
      throw Error(ErrorKind::kModel,
                  "corrupt tokenizer rank file (no token for byte " + std::to_string(b) + ")" + model_hint(),
                  file);
    }
    impl->byte_rank[b] = r;
  }

  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  impl->regex = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(spec->pattern), PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF,
                              &error_code, &error_offset, nullptr);
  if (!impl->regex) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    throw Error(ErrorKind::kInternal, "tokenizer: cannot compile the " + name + " pattern at offset " +
                                          std::to_string(error_offset) + ": " +
                                          reinterpret_cast<const char*>(message));
  }
  // Without JIT (unsupported CPU, no executable memory) the interpreter gives the same
  // pieces, only slower.
  impl->jit = pcre2_jit_compile(impl->regex, PCRE2_JIT_COMPLETE) == 0;
  return Tokenizer(std::move(impl));
}

std::vector<std::uint32_t> Tokenizer::encode(std::string_view text) const {
  const Impl& impl = *impl_;
  std::vector<std::uint32_t> ids;
  ids.reserve(text.size() / 4 + 1);
  impl.split(text, [&](std::string_view piece) {
    if (piece.size() == 1) {
      ids.push_back(impl.byte_rank[static_cast<unsigned char>(piece[0])]);
      return;
    }
    const std::uint32_t whole = impl.rank_of(piece);
    if (whole != kNoRank) {
      ids.push_back(whole);
      return;
    }
    impl.merge(piece, [&](std::string_view part) { ids.push_back(impl.rank_of(part)); });
  });
  return ids;
}

std::size_t Tokenizer::count(std::string_view text) const {
  const Impl& impl = *impl_;
  std::size_t n = 0;
  impl.split(text, [&](std::string_view piece) {
    if (piece.size() == 1 || impl.rank_of(piece) != kNoRank) {
      ++n;
      return;
    }
    impl.merge(piece, [&](std::string_view) { ++n; });
  });
  return n;
}

std::string Tokenizer::decode(const std::vector<std::uint32_t>& ids) const {
  const Impl& impl = *impl_;
  std::string out;
  for (std::uint32_t id : ids) {
    if (id >= impl.offset.size() - 1) {
      throw Error(ErrorKind::kInternal,
                  "tokenizer: token id " + std::to_string(id) + " is not in " + impl.name);
    }
    out += impl.token(id);
  }
  return out;
}

const std::string& Tokenizer::name() const { return impl_->name; }

std::size_t Tokenizer::n_tokens() const { return impl_->offset.size() - 1; }

}  // namespace deepcompress
