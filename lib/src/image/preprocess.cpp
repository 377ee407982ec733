// Mirrors PaddleOCR's Python/C++ inference preprocessing so that the
// converted PP-OCRv4 models see the inputs they were trained on.
#include "image/preprocess.hpp"


#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "image/mat.hpp"

namespace deepcompress {
namespace {

// A 3-channel 8-bit view (or copy, for gray input) of an Image.
cv::Mat as_bgr_mat(const Image& image) {
  if (image.empty() || image.width_px <= 0 || image.height_px <= 0) return {};
  const int type = image.n_channels == 1 ? CV_8UC1 : (image.n_channels == 4 ? CV_8UC4 : CV_8UC3);
  cv::Mat view(image.height_px, image.width_px, type,
               const_cast<std::uint8_t*>(image.pixels.data()));
  if (image.n_channels == 3) return view;
  cv::Mat bgr;
  cv::cvtColor(view, bgr, image.n_channels == 1 ? cv::COLOR_GRAY2BGR : cv::COLOR_BGRA2BGR);
  return bgr;
}

// Writes resized (8-bit BGR) into the top-left of a CHW canvas of
// canvas_h x canvas_w, as (x/255 - mean[c]) / std[c], zeros elsewhere.
void write_chw(const cv::Mat& resized, int canvas_h, int canvas_w, const float mean[3],
               const float std_dev[3], float* dst) {
  const std::size_t plane = static_cast<std::size_t>(canvas_h) * canvas_w;
  std::fill(dst, dst + 3 * plane, 0.0f);
  for (int c = 0; c < 3; ++c) {
    const float scale = 1.0f / (255.0f * std_dev[c]);
    const float shift = -mean[c] / std_dev[c];
    float* out_plane = dst + c * plane;
    for (int y = 0; y < resized.rows && y < canvas_h; ++y) {
      const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
      float* out_row = out_plane + static_cast<std::size_t>(y) * canvas_w;
      for (int x = 0; x < resized.cols && x < canvas_w; ++x) {
        out_row[x] = static_cast<float>(row[3 * x + c]) * scale + shift;
      }
    }
  }
}

constexpr float kImageNetMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kImageNetStd[3] = {0.229f, 0.224f, 0.225f};
constexpr float kHalf[3] = {0.5f, 0.5f, 0.5f};

// Resizes a crop to height_px x width_px and writes it normalized to
// [-1, 1] on a canvas_w-wide zero canvas (PaddleOCR's resize_norm_img).
void write_line_input(const Image& crop, int width_px, int canvas_w, float* dst) {
  const cv::Mat bgr = as_bgr_mat(crop);
  if (bgr.empty() || width_px <= 0) {
    std::fill(dst, dst + 3 * static_cast<std::size_t>(kRecHeightPx) * canvas_w, 0.0f);
    return;
  }
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(width_px, kRecHeightPx), 0, 0, cv::INTER_LINEAR);
  write_chw(resized, kRecHeightPx, canvas_w, kHalf, kHalf, dst);
}

}  // namespace

float to_detector_canvas(const Image& page, int canvas_side_px, float* dst) {
  const std::size_t n_floats = 3 * static_cast<std::size_t>(canvas_side_px) * canvas_side_px;
  const cv::Mat bgr = as_bgr_mat(page);
  if (bgr.empty() || canvas_side_px <= 0) {
    std::fill(dst, dst + n_floats, 0.0f);
    return 0.0f;
  }
  const float scale = std::min(static_cast<float>(canvas_side_px) / static_cast<float>(bgr.cols),
                               static_cast<float>(canvas_side_px) / static_cast<float>(bgr.rows));
  const int width = std::clamp(static_cast<int>(std::lround(bgr.cols * scale)), 1, canvas_side_px);
  const int height = std::clamp(static_cast<int>(std::lround(bgr.rows * scale)), 1, canvas_side_px);
  cv::Mat resized;
  if (width == bgr.cols && height == bgr.rows) {
    resized = bgr;
  } else {
    cv::resize(bgr, resized, cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
  }
  write_chw(resized, canvas_side_px, canvas_side_px, kImageNetMean, kImageNetStd, dst);
  return scale;
}

std::array<PointF, 4> extend_along_text(const std::array<PointF, 4>& quad, float ratio, int page_width_px,
                                        int page_height_px) {
  const auto length = [](PointF a, PointF b) { return std::hypot(b.x - a.x, b.y - a.y); };
  const float along = std::max(length(quad[0], quad[1]), length(quad[3], quad[2]));
  const float across = std::max(length(quad[0], quad[3]), length(quad[1], quad[2]));
  if (!(along > 0) || !(across > 0)) return quad;
  // Corners a, b are one end of the long axis, c, d the other; the text runs from (a, b) to (c, d).
  const bool horizontal = along >= across;
  const std::array<int, 4> order = horizontal ? std::array<int, 4>{0, 3, 1, 2} : std::array<int, 4>{0, 1, 3, 2};
  const PointF from = {0.5f * (quad[order[0]].x + quad[order[1]].x), 0.5f * (quad[order[0]].y + quad[order[1]].y)};
  const PointF to = {0.5f * (quad[order[2]].x + quad[order[3]].x), 0.5f * (quad[order[2]].y + quad[order[3]].y)};
  const float axis = length(from, to);
  if (!(axis > 0)) return quad;
  const float step = ratio * std::min(along, across) / axis;
  const PointF delta = {(to.x - from.x) * step, (to.y - from.y) * step};
  const auto clamp = [&](PointF p) {
    return PointF{std::clamp(p.x, 0.0f, static_cast<float>(page_width_px - 1)),
                  std::clamp(p.y, 0.0f, static_cast<float>(page_height_px - 1))};
  };
  std::array<PointF, 4> out = quad;
  for (int k : {order[0], order[1]}) out[k] = clamp({quad[k].x - delta.x, quad[k].y - delta.y});
  for (int k : {order[2], order[3]}) out[k] = clamp({quad[k].x + delta.x, quad[k].y + delta.y});
  return out;
}

Image crop_quad(const Image& page, const std::array<PointF, 4>& quad) {
  const cv::Mat bgr = as_bgr_mat(page);
  if (bgr.empty()) return {};
  for (const PointF& p : quad) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return {};
  }
  const auto edge = [&](int a, int b) {
    return std::hypot(quad[a].x - quad[b].x, quad[a].y - quad[b].y);
  };
  // Truncation, not rounding, as PaddleOCR's int(...) does.
  const int width = static_cast<int>(std::max(edge(0, 1), edge(2, 3)));
  const int height = static_cast<int>(std::max(edge(0, 3), edge(1, 2)));
  if (width < 1 || height < 1) return {};

  const cv::Point2f src[4] = {{quad[0].x, quad[0].y},
                              {quad[1].x, quad[1].y},
                              {quad[2].x, quad[2].y},
                              {quad[3].x, quad[3].y}};
  const cv::Point2f dst[4] = {{0.0f, 0.0f},
                              {static_cast<float>(width), 0.0f},
                              {static_cast<float>(width), static_cast<float>(height)},
                              {0.0f, static_cast<float>(height)}};
  try {
    const cv::Mat transform = cv::getPerspectiveTransform(src, dst);
    cv::Mat crop;
    cv::warpPerspective(bgr, crop, transform, cv::Size(width, height), cv::INTER_CUBIC,
                        cv::BORDER_REPLICATE);
    // A tall crop is a vertical text line: np.rot90 (counter-clockwise) makes
    // it run left to right for the recognizer.
    if (static_cast<float>(crop.rows) / static_cast<float>(crop.cols) >= 1.5f) {
      cv::Mat rotated;
      cv::rotate(crop, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
      crop = rotated;
    }
    return to_image(crop);
  } catch (const cv::Exception&) {
    return {};  // collinear points: a degenerate quad
  }
}

Image rotate_180(const Image& image) {
  if (image.empty()) return image;
  Image out = image;
  const std::size_t n_pixels = static_cast<std::size_t>(image.width_px) * image.height_px;
  const int n = image.n_channels;
  for (std::size_t i = 0; i < n_pixels; ++i) {
    std::memcpy(out.pixels.data() + i * n, image.pixels.data() + (n_pixels - 1 - i) * n,
                static_cast<std::size_t>(n));
  }
  return out;
}

void to_classifier_input(const Image& crop, float* dst) {
  if (crop.empty() || crop.height_px <= 0) {
    std::fill(dst, dst + 3 * static_cast<std::size_t>(kClsHeightPx) * kClsWidthPx, 0.0f);
    return;
  }
  const double ratio = static_cast<double>(crop.width_px) / crop.height_px;
  const int width = std::clamp(static_cast<int>(std::ceil(kClsHeightPx * ratio)), 1, kClsWidthPx);
  write_line_input(crop, width, kClsWidthPx, dst);
}

int recognizer_width_px(const Image& crop, int max_width_px, float width_scale) {
  const int min_width = std::min(8, max_width_px);
  if (crop.empty() || crop.height_px <= 0) return min_width;
  const double ratio = static_cast<double>(crop.width_px) / crop.height_px * width_scale;
  const double width = std::ceil(kRecHeightPx * ratio);
  if (width >= max_width_px) return max_width_px;
  return std::max(min_width, static_cast<int>(width));
}

void to_recognizer_input(const Image& crop, int width_px, float* dst, float width_scale) {
  write_line_input(crop, recognizer_width_px(crop, width_px, width_scale), width_px, dst);
}

}  // namespace deepcompress
