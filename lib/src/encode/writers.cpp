#include "encode/writers.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
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

// "ratio": r, "ratio_image": r, "recall": r, "n_words": n
void append_ratios(std::string& out, double ratio, double ratio_image, const WordRecall& words) {
  out += "\"ratio\": ";
  append_number(out, ratio, 4);
  out += ", \"ratio_image\": ";
  append_number(out, ratio_image, 4);
  out += ", \"recall\": ";
  append_number(out, words.recall(), 4);
  out += fmt::format(", \"n_words\": {}", words.n_words);
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

std::string_view text_source_name(TextSource source) {
  switch (source) {
    case TextSource::kOcr: return "ocr";
    case TextSource::kTextLayer: return "text_layer";
    case TextSource::kNone: return "none";
  }
  return "ocr";
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
  if (stats != nullptr) {
    out += ",\n  \"stats\": ";
    out += stats_json(*stats);
  }
  out += ",\n  \"pages\": [";
  for (std::size_t p = 0; p < document.pages.size(); ++p) {
    const PageResult& page = document.pages[p];
    out += p == 0 ? "\n    {" : ",\n    {";
    out += fmt::format("\"page\": {}, \"width_px\": {}, \"height_px\": {}, \"source\": \"{}\", \"source_note\": ",
                       page.page_number, page.width_px, page.height_px, text_source_name(page.source));
    append_json_string(out, page.source_note);
    out += ", ";
    if (stats != nullptr && p < stats->pages.size()) {
      // Figures before "text": a page's numbers stay readable next to its header.
      const PageStats& s = stats->pages[p];
      out += fmt::format("\"n_tokens_faithful\": {}, \"n_tokens_compact\": {}, \"n_tokens_image\": {}, ",
                         s.n_tokens_faithful, s.n_tokens_compact, s.n_tokens_image);
      append_ratios(out, s.ratio(), s.ratio_image(), s.words);
      out += ", \"furniture\": [";
      for (std::size_t f = 0; f < s.furniture.size(); ++f) {
        if (f > 0) out += ", ";
        append_json_string(out, s.furniture[f]);
      }
      out += "], ";
    }
    out += "\"text\": ";
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

std::string stats_json(const DocumentStats& stats) {
  std::string out = "{\"tokenizer\": ";
  append_json_string(out, stats.tokenizer);
  out += fmt::format(", \"n_tokens_faithful\": {}, \"n_tokens_compact\": {}, \"n_tokens_image\": {}, ",
                     stats.n_tokens_faithful, stats.n_tokens_compact, stats.n_tokens_image);
  append_ratios(out, stats.ratio(), stats.ratio_image(), stats.words);
  out += fmt::format(", \"n_furniture_lines\": {}, \"redactions\": {{", stats.n_furniture_lines);
  bool first = true;
  for (const auto& [type, n] : stats.n_redactions) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, type);
    out += fmt::format(": {}", n);
  }
  out += "}}";
  return out;
}

std::string cost_json(const std::vector<CostEstimate>& costs) {
  std::string out = "[";
  for (std::size_t i = 0; i < costs.size(); ++i) {
    const CostEstimate& c = costs[i];
    out += i == 0 ? "{\"model\": " : ", {\"model\": ";
    append_json_string(out, c.model);
    out += fmt::format(", \"n_tokens_image\": {}, \"usd_faithful\": ", c.n_tokens_image);
    append_number(out, c.usd_faithful, 6);
    out += ", \"usd_compact\": ";
    append_number(out, c.usd_compact, 6);
    out += ", \"usd_image\": ";
    append_number(out, c.usd_image, 6);
    out += "}";
  }
  out += "]";
  return out;
}

std::string redaction_report_lines(const std::string& input, const std::vector<Redaction>& redactions) {
  std::string out;
  for (const Redaction& r : redactions) {
    out += "{\"input\": ";
    append_json_string(out, input);
    out +=
        fmt::format(", \"page\": {}, \"line\": {}, \"offset\": {}, \"length\": {}, \"type\": ", r.page_number,
                    r.line_index, r.offset_bytes, r.length_bytes);
    append_json_string(out, r.type);
    out += "}\n";
  }
  return out;
}

}  // namespace deepcompress
