#include "ocr/db_postprocess.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

using Quad = std::array<cv::Point2f, 4>;

// Top-left, top-right, bottom-right, bottom-left (clockwise with y down):
// the two leftmost points are split by y into TL/BL, the two rightmost into TR/BR.
Quad order_quad(const cv::Point2f* pts) {
  std::array<cv::Point2f, 4> p{pts[0], pts[1], pts[2], pts[3]};
  std::stable_sort(p.begin(), p.end(), [](const cv::Point2f& a, const cv::Point2f& b) { return a.x < b.x; });
  const auto [tl, bl] = p[0].y <= p[1].y ? std::pair{p[0], p[1]} : std::pair{p[1], p[0]};
  const auto [tr, br] = p[2].y <= p[3].y ? std::pair{p[2], p[3]} : std::pair{p[3], p[2]};
  return {tl, tr, br, bl};
}

Quad rect_quad(const cv::RotatedRect& rect) {
  cv::Point2f pts[4];
  rect.points(pts);
  return order_quad(pts);
}

float short_side(const cv::RotatedRect& rect) { return std::min(rect.size.width, rect.size.height); }

// Mean probability inside the quad, computed on its bounding rect only.
float box_mean(const cv::Mat& prob, const Quad& q) {
  const int w = prob.cols;
  const int h = prob.rows;
  float min_x = q[0].x, max_x = q[0].x, min_y = q[0].y, max_y = q[0].y;
  for (const auto& p : q) {
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  const int x0 = std::clamp(static_cast<int>(std::floor(min_x)), 0, w - 1);
  const int x1 = std::clamp(static_cast<int>(std::ceil(max_x)), 0, w - 1);
  const int y0 = std::clamp(static_cast<int>(std::floor(min_y)), 0, h - 1);
  const int y1 = std::clamp(static_cast<int>(std::ceil(max_y)), 0, h - 1);
  cv::Mat mask = cv::Mat::zeros(y1 - y0 + 1, x1 - x0 + 1, CV_8UC1);
  std::vector<cv::Point> poly;
  for (const auto& p : q)
    poly.emplace_back(static_cast<int>(std::lround(p.x - static_cast<float>(x0))),
                      static_cast<int>(std::lround(p.y - static_cast<float>(y0))));
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(1));
  return static_cast<float>(cv::mean(prob(cv::Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1)), mask)[0]);
}

// PaddleOCR offsets the polygon with pyclipper (rounded joins) and takes the
// minAreaRect of the result. For a rectangle that rect is the rectangle grown
// by the offset on every side, so we grow the rotated rect directly.
cv::RotatedRect unclip(const cv::RotatedRect& rect, float unclip_ratio) {
  const float w = rect.size.width;
  const float h = rect.size.height;
  const float perimeter = 2 * (w + h);
  if (perimeter <= 0) return rect;
  const float distance = w * h * unclip_ratio / perimeter;
  return {rect.center, cv::Size2f(w + 2 * distance, h + 2 * distance), rect.angle};
}

float side_length(const cv::Point2f& a, const cv::Point2f& b) { return std::hypot(a.x - b.x, a.y - b.y); }

// PaddleOCR's sorted_boxes: by top-left y then x, then a bubble pass that
// puts boxes whose top-left y differs by < 10 px into left-to-right order.
void sort_reading(std::vector<DbBox>& boxes) {
  constexpr float kSameLinePx = 10.0f;
  std::stable_sort(boxes.begin(), boxes.end(), [](const DbBox& a, const DbBox& b) {
    if (a.quad[0].y != b.quad[0].y) return a.quad[0].y < b.quad[0].y;
    return a.quad[0].x < b.quad[0].x;
  });
  for (std::size_t i = 0; i + 1 < boxes.size(); ++i) {
    for (std::size_t j = i + 1; j-- > 0;) {
      const PointF& next = boxes[j + 1].quad[0];
      const PointF& cur = boxes[j].quad[0];
      if (std::abs(next.y - cur.y) < kSameLinePx && next.x < cur.x)
        std::swap(boxes[j], boxes[j + 1]);
      else
        break;
    }
  }
}

}  // namespace

std::vector<DbBox> db_boxes(const float* prob, int height_px, int width_px, const DbParams& params) {
  std::vector<DbBox> boxes;
  if (prob == nullptr || height_px <= 0 || width_px <= 0) return boxes;
  try {
    // Wraps the caller's buffer without copying; only read from.
    const cv::Mat pred(height_px, width_px, CV_32FC1, const_cast<float*>(prob));
    cv::Mat bitmap = pred > params.threshold;  // CV_8U 0/255

    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(bitmap, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    const std::size_t n =
        std::min(contours.size(), static_cast<std::size_t>(std::max(params.max_candidates, 0)));

    const float max_x = static_cast<float>(width_px);
    const float max_y = static_cast<float>(height_px);
    for (std::size_t i = 0; i < n; ++i) {
      const cv::RotatedRect rect = cv::minAreaRect(contours[i]);
      if (short_side(rect) < params.min_size_px) continue;
      const float score = box_mean(pred, rect_quad(rect));
      if (score < params.box_threshold) continue;

      const cv::RotatedRect grown = unclip(rect, params.unclip_ratio);
      if (short_side(grown) < params.min_size_px + 2) continue;

      Quad q = rect_quad(grown);
      for (auto& p : q) {
        p.x = std::clamp(p.x, 0.0f, max_x);
        p.y = std::clamp(p.y, 0.0f, max_y);
      }
      // Clipping can squash a box at the border to a sliver (PaddleOCR's
      // filter_tag_det_res drops those too).
      if (side_length(q[0], q[1]) <= params.min_size_px || side_length(q[0], q[3]) <= params.min_size_px)
        continue;
      q = order_quad(q.data());

      DbBox box;
      for (std::size_t k = 0; k < 4; ++k) box.quad[k] = {q[k].x, q[k].y};
      box.score = score;
      boxes.push_back(box);
    }
  } catch (const cv::Exception& e) {
    throw Error(ErrorKind::kInternal, std::string("DB post-processing failed: ") + e.what());
  }
  sort_reading(boxes);
  return boxes;
}

}  // namespace deepcompress
