#pragma once
// Plain data exchanged between the library's stages and with callers.
#include <array>
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

struct PageResult {
  int page_number = 0;  // 1-based page in its document
  int width_px = 0;
  int height_px = 0;
  std::vector<TextLine> lines;  // in reading order
  std::string text;             // lines in reading order, blocks separated by blank lines
};

enum class DocumentStatus { kOk, kFailed };

struct DocumentResult {
  std::string path;
  DocumentStatus status = DocumentStatus::kOk;
  std::string error;  // one-line message naming file (and page) when failed
  std::vector<PageResult> pages;
  StageTimes times;
};

}  // namespace deepcompress
