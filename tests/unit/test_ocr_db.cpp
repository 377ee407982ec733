#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ocr/db_postprocess.hpp"

using namespace deepcompress;

namespace {

struct ProbMap {
  int w, h;
  cv::Mat m;
  ProbMap(int width, int height) : w(width), h(height), m(cv::Mat::zeros(height, width, CV_32FC1)) {}
  // Fills pixels [x0, x1) x [y0, y1).
  void rect(int x0, int y0, int x1, int y1, float p) { m(cv::Rect(x0, y0, x1 - x0, y1 - y0)).setTo(p); }
  std::vector<DbBox> boxes(const DbParams& params = {}) const {
    return db_boxes(m.ptr<float>(), h, w, params);
  }
};

float min_x(const DbBox& b) { return std::min({b.quad[0].x, b.quad[1].x, b.quad[2].x, b.quad[3].x}); }
float max_x(const DbBox& b) { return std::max({b.quad[0].x, b.quad[1].x, b.quad[2].x, b.quad[3].x}); }

}  // namespace

TEST_CASE("db: one filled rectangle gives one expanded box") {
  ProbMap map(200, 100);
  map.rect(40, 30, 140, 50, 0.9f);  // contour 40..139 x 30..49: 99 x 19 px
  const auto boxes = map.boxes();
  REQUIRE(boxes.size() == 1);
  const DbBox& b = boxes[0];
  CHECK(b.score == Approx(0.9f).margin(0.01));
  // distance = 99 * 19 * 1.5 / (2 * (99 + 19)) = 11.95
  const float d = 99.0f * 19.0f * 1.5f / (2.0f * (99.0f + 19.0f));
  const float tol = 1.0f;
  CHECK(b.quad[0].x == Approx(40 - d).margin(tol));  // top-left
  CHECK(b.quad[0].y == Approx(30 - d).margin(tol));
  CHECK(b.quad[1].x == Approx(139 + d).margin(tol));  // top-right
  CHECK(b.quad[1].y == Approx(30 - d).margin(tol));
  CHECK(b.quad[2].x == Approx(139 + d).margin(tol));  // bottom-right
  CHECK(b.quad[2].y == Approx(49 + d).margin(tol));
  CHECK(b.quad[3].x == Approx(40 - d).margin(tol));  // bottom-left
  CHECK(b.quad[3].y == Approx(49 + d).margin(tol));
}

TEST_CASE("db: boxes are clipped to the map") {
  ProbMap map(100, 60);
  map.rect(2, 2, 60, 20, 0.9f);
  const auto boxes = map.boxes();
  REQUIRE(boxes.size() == 1);
  for (const PointF& p : boxes[0].quad) {
    CHECK(p.x >= 0);
    CHECK(p.x <= 100);
    CHECK(p.y >= 0);
    CHECK(p.y <= 60);
  }
  CHECK(boxes[0].quad[0].x == Approx(0));
  CHECK(boxes[0].quad[0].y == Approx(0));
}

TEST_CASE("db: separated rectangles come out in reading order") {
  ProbMap map(400, 200);
  map.rect(220, 20, 360, 40, 0.9f);   // same line, right (top 2 px higher)
  map.rect(20, 22, 160, 42, 0.9f);    // same line, left
  map.rect(20, 120, 160, 140, 0.8f);  // next line
  const auto boxes = map.boxes();
  REQUIRE(boxes.size() == 3);
  CHECK(max_x(boxes[0]) < 200);
  CHECK(min_x(boxes[1]) > 200);
  CHECK(boxes[2].quad[0].y > 90);
  CHECK(boxes[2].score == Approx(0.8f).margin(0.01));
}

TEST_CASE("db: low-score and tiny boxes are dropped") {
  ProbMap map(300, 100);
  map.rect(20, 20, 120, 40, 0.45f);  // above threshold, below box_threshold
  map.rect(200, 20, 202, 60, 0.9f);  // 2 px wide: short side < min_size
  map.rect(250, 50, 251, 51, 0.9f);  // a single pixel
  CHECK(map.boxes().empty());
  DbParams lenient;
  lenient.box_threshold = 0.4f;
  CHECK(map.boxes(lenient).size() == 1);
}

TEST_CASE("db: max_candidates limits contours") {
  ProbMap map(300, 100);
  map.rect(20, 20, 120, 40, 0.9f);
  map.rect(160, 20, 260, 40, 0.9f);
  DbParams one;
  one.max_candidates = 1;
  CHECK(map.boxes(one).size() == 1);
}

TEST_CASE("db: a rotated rectangle gives a rotated quad") {
  ProbMap map(300, 300);
  const cv::RotatedRect rr({150.0f, 150.0f}, {160.0f, 30.0f}, 20.0f);
  cv::Point2f pts[4];
  rr.points(pts);
  std::vector<cv::Point> poly;
  for (const auto& p : pts) poly.emplace_back(cvRound(p.x), cvRound(p.y));
  cv::fillPoly(map.m, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(0.9));
  const auto boxes = map.boxes();
  REQUIRE(boxes.size() == 1);
  const auto& q = boxes[0].quad;
  // The long top edge climbs at ~20 degrees (y down).
  const float angle = std::atan2(q[1].y - q[0].y, q[1].x - q[0].x) * 180.0f / static_cast<float>(CV_PI);
  CHECK(std::abs(angle) == Approx(20.0f).margin(2.0f));
  // Clockwise from top-left: top-left is leftmost-upper, bottom-right opposite.
  CHECK(q[0].x < q[2].x);
  CHECK(q[0].y < q[2].y);
  // Expanded: longer than the drawn 160 px.
  CHECK(std::hypot(q[1].x - q[0].x, q[1].y - q[0].y) > 170.0f);
}
