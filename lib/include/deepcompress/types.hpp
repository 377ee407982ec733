#pragma once
// Plain data exchanged between the library's stages and with callers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deepcompress {

// An 8-bit interleaved image, row-major, BGR order when n_channels == 3
// (OpenCV's convention), gray when n_channels == 1.
struct Image {
  int width_px = 0;
  int height_px = 0;
  int n_channels = 3;
  std::vector<std::uint8_t> pixels;  // width_px * height_px * n_channels bytes
  bool empty() const { return pixels.empty(); }
};

struct PointF {
  float x = 0;
  float y = 0;
};

// One recognised text line. Coordinates are page pixels at the render dpi.
struct TextLine {
  std::array<PointF, 4> quad;           // clockwise from top-left
  std::string text;                     // UTF-8
  float confidence = 0;                 // mean of char_confidences, 0..1
  std::vector<float> char_confidences;  // one per UTF-8 character of text (spaces included)
  bool rotated_180 = false;             // the angle classifier flipped the crop
  // Text-layer lines only (OCR lines: false): every word's font is monospaced (Courier,
  // DejaVu Sans Mono, cmtt, ...) / bold, by the font's name.
  bool monospace = false;
  bool bold = false;
};

// Time spent per stage, accumulated; milliseconds.
struct StageTimes {
  double t_render_ms = 0;
  double t_preprocess_ms = 0;
  double t_detect_ms = 0;
  double t_classify_ms = 0;
  double t_recognize_ms = 0;
  double t_postprocess_ms = 0;
  StageTimes& operator+=(const StageTimes& o);
  double total_ms() const;
};

// Where a page's text came from (--ocr auto|always|never).
enum class TextSource { kOcr, kTextLayer, kNone };

struct PageResult {
  int page_number = 0;  // 1-based page in its document
  int width_px = 0;     // page size at the render dpi (also for text-layer pages, not rendered)
  int height_px = 0;
  std::vector<TextLine> lines;  // in reading order
  std::string text;             // lines in reading order, blocks separated by blank lines
  TextSource source = TextSource::kOcr;
  std::string source_note;      // why this source: "text layer usable", "no text layer", ...
};

// One PII replacement (--redact), reported without the value it replaced.
struct Redaction {
  int page_number = 0;          // 1-based
  std::size_t line_index = 0;   // index into PageResult::lines
  std::size_t offset_bytes = 0; // start in the line's original (unredacted) UTF-8 text
  std::size_t length_bytes = 0; // length of the replaced value in that text
  std::string type;             // email | phone | card | iban | ssn | ipv4 | dob
};

enum class DocumentStatus { kOk, kFailed };

struct DocumentResult {
  std::string path;
  DocumentStatus status = DocumentStatus::kOk;
  std::string error;  // one-line message naming file (and page) when failed
  std::vector<PageResult> pages;
  StageTimes times;
  std::vector<Redaction> redactions;  // in page, line, offset order; empty unless --redact
  // Opened only with Options::password (an encrypted PDF): outputs are as
  // secret as the password (their cache entries are bound to it).
  bool password_protected = false;
};

}  // namespace deepcompress
