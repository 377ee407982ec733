#include "layout/reading_order.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/geometry.hpp"

namespace deepcompress {
namespace {

// Thresholds, in units of the line height h (box height, which for DB boxes
// is close to the text's ascender-to-descender extent):
//  - word gaps are ~0.3 h, column gutters >= ~1 h (1.5-2 h in most layouts);
constexpr float kAlwaysMergeGap = 0.3f;  // fragments this close always join
constexpr float kNeverMergeGap = 1.5f;   // fragments this far never join
constexpr float kNeighbourRows = 3.0f;   // how far above/below to look for a gutter
//  - a vertical channel this wide (times the median h) splits columns;
constexpr float kMinGutter = 0.8f;
//  - horizontal whitespace this tall (times the median h) splits bands when
//    no column structure explains the region.
constexpr float kBandGap = 1.0f;
//  - block break: this much more whitespace than the page's usual line spacing.
constexpr float kBlockExtraGap = 0.9f;

using Box = BoxF;

float median_height(const std::vector<Box>& boxes) {
  std::vector<float> hs;
  for (const Box& b : boxes) hs.push_back(b.h());
  return std::max(median(hs), 1.0f);
}

float v_overlap(const Box& a, const Box& b) { return std::min(a.y1, b.y1) - std::max(a.y0, b.y0); }
float h_overlap(const Box& a, const Box& b) { return std::min(a.x1, b.x1) - std::max(a.x0, b.x0); }

bool same_row(const Box& a, const Box& b) { return v_overlap(a, b) > 0.5f * std::min(a.h(), b.h()); }

std::size_t count_code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// ---- 1. Row merging -------------------------------------------------------

// Between `left` and `right` (same row, gap in between) lies a column gutter
// if nearby lines above/below have text on both sides of the gap and none of
// them runs across it. Split fragments of a single-column line have lines
// above and below that run across their gap.
bool is_gutter(const std::vector<Box>& boxes, std::size_t left, std::size_t right) {
  const Box& a = boxes[left];
  const Box& b = boxes[right];
  const float h = std::max(a.h(), b.h());
  const float top = std::min(a.y0, b.y0) - kNeighbourRows * h;
  const float bottom = std::max(a.y1, b.y1) + kNeighbourRows * h;
  const float mid = 0.5f * (a.x1 + b.x0);
  bool has_left = false;
  bool has_right = false;
  for (std::size_t k = 0; k < boxes.size(); ++k) {
    if (k == left || k == right) continue;
    const Box& n = boxes[k];
    if (n.cy() < top || n.cy() > bottom || same_row(n, a) || same_row(n, b)) continue;
    if (n.x0 < mid && n.x1 > mid) return false;
    has_left = has_left || n.x1 <= mid;
    has_right = has_right || n.x0 >= mid;
  }
  return has_left && has_right;
}

bool mergeable(const std::vector<Box>& boxes, std::size_t left, std::size_t right) {
  const Box& a = boxes[left];
  const Box& b = boxes[right];
  const float h = std::max(a.h(), b.h());
  const float gap = b.x0 - a.x1;
  if (gap <= kAlwaysMergeGap * h) return true;
  if (gap >= kNeverMergeGap * h) return false;
  return !is_gutter(boxes, left, right);
}

void trim_spaces(TextLine& line) {
  // char_confidences has one entry per code point; ASCII spaces are one each.
  const bool aligned = line.char_confidences.size() == count_code_points(line.text);
  while (!line.text.empty() && line.text.back() == ' ') {
    line.text.pop_back();
    if (aligned) line.char_confidences.pop_back();
  }
  std::size_t lead = 0;
  while (lead < line.text.size() && line.text[lead] == ' ') ++lead;
  line.text.erase(0, lead);
  if (aligned)
    line.char_confidences.erase(line.char_confidences.begin(),
                                line.char_confidences.begin() + static_cast<long>(lead));
}

TextLine merge_pair(TextLine a, TextLine b, const Box& union_box) {
  trim_spaces(a);
  trim_spaces(b);
  TextLine m;
  m.quad = {PointF{union_box.x0, union_box.y0}, PointF{union_box.x1, union_box.y0},
            PointF{union_box.x1, union_box.y1}, PointF{union_box.x0, union_box.y1}};
  m.rotated_180 = a.rotated_180 || b.rotated_180;
  m.monospace = a.monospace && b.monospace;
  m.bold = a.bold && b.bold;
  m.text = a.text;
  m.char_confidences = a.char_confidences;
  if (!a.text.empty() && !b.text.empty()) {
    m.text += ' ';
    const float left = a.char_confidences.empty() ? a.confidence : a.char_confidences.back();
    const float right = b.char_confidences.empty() ? b.confidence : b.char_confidences.front();
    m.char_confidences.push_back(0.5f * (left + right));
  }
  m.text += b.text;
  m.char_confidences.insert(m.char_confidences.end(), b.char_confidences.begin(), b.char_confidences.end());
  m.confidence = m.char_confidences.empty()
                     ? 0.5f * (a.confidence + b.confidence)
                     : std::accumulate(m.char_confidences.begin(), m.char_confidences.end(), 0.0f) /
                           static_cast<float>(m.char_confidences.size());
  return m;
}

// Repeatedly joins each line with its nearest right neighbour on the same
// row while they are adjacent. Quadratic per merge; pages have a few hundred
// boxes at most.
void merge_rows(std::vector<TextLine>& lines, std::vector<Box>& boxes) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t i = 0; i < lines.size() && !changed; ++i) {
      std::size_t best = lines.size();
      float best_gap = std::numeric_limits<float>::max();
      for (std::size_t j = 0; j < lines.size(); ++j) {
        if (j == i || !same_row(boxes[i], boxes[j])) continue;
        // j must lie to the right of i; index breaks ties so a pair is seen once.
        if (boxes[j].x0 < boxes[i].x0 || (boxes[j].x0 == boxes[i].x0 && j < i)) continue;
        const float gap = boxes[j].x0 - boxes[i].x1;
        if (gap < best_gap) {
          best_gap = gap;
          best = j;
        }
      }
      if (best == lines.size() || !mergeable(boxes, i, best)) continue;
      const Box u{std::min(boxes[i].x0, boxes[best].x0), std::min(boxes[i].y0, boxes[best].y0),
                  std::max(boxes[i].x1, boxes[best].x1), std::max(boxes[i].y1, boxes[best].y1)};
      lines[i] = merge_pair(std::move(lines[i]), std::move(lines[best]), u);
      boxes[i] = u;
      lines.erase(lines.begin() + static_cast<long>(best));
      boxes.erase(boxes.begin() + static_cast<long>(best));
      changed = true;
    }
  }
}

// ---- 2. XY-cut --------------------------------------------------------------

struct Cutter {
  const std::vector<Box>& boxes;
  float min_gutter;
  float band_gap;
  std::vector<std::size_t>& out;

  using Ids = std::vector<std::size_t>;

  void cut(Ids ids) {
    if (ids.size() <= 1) {
      out.insert(out.end(), ids.begin(), ids.end());
      return;
    }
    if (split_columns(ids)) return;
    if (split_at_spanning_lines(ids)) return;
    if (split_bands(ids)) return;
    emit_rows(ids);
  }

  // Groups of ids separated by empty stretches >= min_gap along one axis.
  std::vector<Ids> groups(Ids ids, bool along_x, float min_gap) const {
    auto lo = [&](std::size_t i) { return along_x ? boxes[i].x0 : boxes[i].y0; };
    auto hi = [&](std::size_t i) { return along_x ? boxes[i].x1 : boxes[i].y1; };
    std::stable_sort(ids.begin(), ids.end(), [&](std::size_t a, std::size_t b) { return lo(a) < lo(b); });
    std::vector<Ids> result{{ids[0]}};
    float end = hi(ids[0]);
    for (std::size_t k = 1; k < ids.size(); ++k) {
      if (lo(ids[k]) - end >= min_gap) result.emplace_back();
      result.back().push_back(ids[k]);
      end = std::max(end, hi(ids[k]));
    }
    return result;
  }

  // A clean vertical gutter through the whole region: read columns left to right.
  bool split_columns(const Ids& ids) {
    std::vector<Ids> cols = groups(ids, true, min_gutter);
    if (cols.size() < 2) return false;
    for (Ids& c : cols) cut(std::move(c));
    return true;
  }

  // Columns interrupted by lines running across the gutter (a title, a
  // full-width paragraph): those lines split the region into bands that are
  // read top to bottom. Accepted only when the crossing lines are few, both
  // sides have more lines than that, and the crossing lines form at most
  // three runs in vertical order (otherwise they are a column of their own).
  bool split_at_spanning_lines(const Ids& ids) {
    std::vector<float> edges;
    for (std::size_t i : ids) {
      edges.push_back(boxes[i].x0);
      edges.push_back(boxes[i].x1);
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());

    Ids best_spanning;
    std::size_t best_count = ids.size();
    float best_width = 0;
    float best_a = 0;
    for (std::size_t e = 0; e + 1 < edges.size(); ++e) {
      const float a = edges[e];
      const float b = edges[e + 1];
      Ids spanning;
      std::size_t n_left = 0, n_right = 0;
      float left_end = -std::numeric_limits<float>::max();
      float right_start = std::numeric_limits<float>::max();
      for (std::size_t i : ids) {
        if (boxes[i].x0 <= a && boxes[i].x1 >= b) {
          spanning.push_back(i);
        } else if (boxes[i].x1 <= a) {
          ++n_left;
          left_end = std::max(left_end, boxes[i].x1);
        } else {
          ++n_right;
          right_start = std::min(right_start, boxes[i].x0);
        }
      }
      const float width = right_start - left_end;
      if (spanning.empty() || n_left < 2 || n_right < 2 || width < min_gutter) continue;
      if (spanning.size() >= std::min(n_left, n_right)) continue;
      if (spanning.size() < best_count || (spanning.size() == best_count && width > best_width)) {
        best_count = spanning.size();
        best_width = width;
        best_a = a;
        best_spanning = std::move(spanning);
      }
    }
    if (best_spanning.empty()) return false;

    // A crossing line that reaches over none of the far column's lines beside
    // it (within kNeighbourRows line heights) only runs into the gutter: a
    // long entry of an index column ending a few px short of the next
    // column. It is no title, and when all crossing lines are such, the
    // region is read as columns, each intruder in its own.
    std::vector<int> intruder_side(best_spanning.size(), 0);  // -1 left, +1 right, 0 a real crossing
    for (std::size_t k = 0; k < best_spanning.size(); ++k) {
      const Box& s = boxes[best_spanning[k]];
      float far_right = std::numeric_limits<float>::max(), far_left = -std::numeric_limits<float>::max();
      bool has_right = false, has_left = false;
      for (std::size_t i : ids) {
        if (std::find(best_spanning.begin(), best_spanning.end(), i) != best_spanning.end()) continue;
        if (std::abs(boxes[i].cy() - s.cy()) > kNeighbourRows * s.h()) continue;
        if (boxes[i].x1 <= best_a) {
          far_left = std::max(far_left, boxes[i].x1);
          has_left = true;
        } else {
          far_right = std::min(far_right, boxes[i].x0);
          has_right = true;
        }
      }
      if (has_right && s.x1 <= far_right) intruder_side[k] = -1;
      else if (has_left && s.x0 >= far_left) intruder_side[k] = 1;
    }
    if (std::find(intruder_side.begin(), intruder_side.end(), 0) == intruder_side.end()) {
      Ids left, right;
      for (std::size_t i : ids) {
        const auto it = std::find(best_spanning.begin(), best_spanning.end(), i);
        const bool is_left = it == best_spanning.end()
                                 ? boxes[i].x1 <= best_a
                                 : intruder_side[static_cast<std::size_t>(it - best_spanning.begin())] < 0;
        (is_left ? left : right).push_back(i);
      }
      cut(std::move(left));
      cut(std::move(right));
      return true;
    }

    Ids by_y = ids;
    std::stable_sort(by_y.begin(), by_y.end(),
                     [&](std::size_t a, std::size_t b) { return boxes[a].cy() < boxes[b].cy(); });
    auto spans = [&](std::size_t i) {
      return std::find(best_spanning.begin(), best_spanning.end(), i) != best_spanning.end();
    };
    std::vector<Ids> bands{{}};
    int n_runs = 0;
    bool in_run = false;
    for (std::size_t i : by_y) {
      if (spans(i)) {
        n_runs += in_run ? 0 : 1;
        in_run = true;
        bands.push_back({i});  // each spanning line is a band of its own
        bands.emplace_back();
      } else {
        in_run = false;
        bands.back().push_back(i);
      }
    }
    if (n_runs > 3) return false;
    for (Ids& band : bands)
      if (!band.empty()) cut(std::move(band));
    return true;
  }

  // No column structure spans the region: split at tall horizontal
  // whitespace so that bands with different column layouts are cut apart.
  bool split_bands(const Ids& ids) {
    std::vector<Ids> bands = groups(ids, false, band_gap);
    if (bands.size() < 2) return false;
    for (Ids& b : bands) cut(std::move(b));
    return true;
  }

  // Single column: rows top to bottom, left to right within a row.
  void emit_rows(Ids ids) {
    std::stable_sort(ids.begin(), ids.end(),
                     [&](std::size_t a, std::size_t b) { return boxes[a].cy() < boxes[b].cy(); });
    std::size_t start = 0;
    while (start < ids.size()) {
      std::size_t end = start + 1;
      while (end < ids.size() && same_row(boxes[ids[start]], boxes[ids[end]])) ++end;
      std::stable_sort(ids.begin() + static_cast<long>(start), ids.begin() + static_cast<long>(end),
                       [&](std::size_t a, std::size_t b) { return boxes[a].x0 < boxes[b].x0; });
      out.insert(out.end(), ids.begin() + static_cast<long>(start), ids.begin() + static_cast<long>(end));
      start = end;
    }
  }
};

}  // namespace

std::vector<TextLine> order_lines(std::vector<TextLine> lines, int page_width_px, int /*page_height_px*/) {
  if (lines.empty()) return lines;
  std::vector<Box> boxes;
  boxes.reserve(lines.size());
  for (const TextLine& l : lines) boxes.push_back(bounds(l));
  merge_rows(lines, boxes);

  const float h = median_height(boxes);
  // Gutters are rarely narrower than 1% of the page, whatever the font size.
  const float min_gutter = std::max(kMinGutter * h, 0.01f * static_cast<float>(std::max(page_width_px, 0)));
  std::vector<std::size_t> order;
  order.reserve(lines.size());
  Cutter cutter{boxes, min_gutter, kBandGap * h, order};
  std::vector<std::size_t> all(lines.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  cutter.cut(std::move(all));

  std::vector<TextLine> ordered;
  ordered.reserve(lines.size());
  for (std::size_t i : order) ordered.push_back(std::move(lines[i]));
  return ordered;
}

namespace {

// The length-weighted median slope (radians, folded into (-pi/4, pi/4]) of
// the long lines' top and bottom edges; 0 without long lines. Weighted: a
// short box's edges are a few pixels long, so its angle is coarse (often
// exactly level) and, unweighted, such boxes outvoted the long lines (the
// gnuplot index page read 0 degrees instead of 0.65).
float skew_radians(const std::vector<TextLine>& lines) {
  std::vector<std::pair<float, float>> angles;  // (angle, length)
  for (const TextLine& l : lines) {
    const auto& q = l.quad;
    const float dx = 0.5f * (q[1].x - q[0].x + q[2].x - q[3].x);
    const float dy = 0.5f * (q[1].y - q[0].y + q[2].y - q[3].y);
    const float height = 0.5f * (std::hypot(q[3].x - q[0].x, q[3].y - q[0].y) +
                                 std::hypot(q[2].x - q[1].x, q[2].y - q[1].y));
    if (std::hypot(dx, dy) < 3.0f * height) continue;
    float a = std::atan2(dy, dx);
    constexpr float kQuarter = 0.785398163f;
    while (a > kQuarter) a -= 2.0f * kQuarter;
    while (a <= -kQuarter) a += 2.0f * kQuarter;
    angles.emplace_back(a, std::hypot(dx, dy));
  }
  if (angles.empty()) return 0.0f;
  std::sort(angles.begin(), angles.end());
  float total = 0.0f;
  for (const auto& [a, len] : angles) total += len;
  float seen = 0.0f;
  for (const auto& [a, len] : angles) {
    seen += len;
    if (seen >= 0.5f * total) return a;
  }
  return angles.back().first;
}

constexpr float kPi = 3.14159265f;

// The rotation that takes image pixels into the page's reading frame: by
// -skew (when at least 0.1 degrees), then by 180 degrees when most lines were
// read turned (an upside-down page). 0 = the image frame.
float reading_frame_radians(const std::vector<TextLine>& lines) {
  std::size_t n_turned = 0;
  for (const TextLine& l : lines) n_turned += l.rotated_180 ? 1 : 0;
  const float skew = skew_radians(lines);
  return (std::abs(skew) >= 0.1f * kPi / 180.0f ? -skew : 0.0f) + (2 * n_turned > lines.size() ? kPi : 0.0f);
}

// Rotates every quad by `radians` about (cx, cy). Past a quarter turn the
// corners also swap roles, so that quad[0] stays the top-left corner (the
// same swap undoes it).
void rotate_lines(std::vector<TextLine>& lines, float radians, float cx, float cy) {
  const float c = std::cos(radians), s = std::sin(radians);
  for (TextLine& l : lines) {
    for (PointF& p : l.quad) {
      const float x = p.x - cx, y = p.y - cy;
      p = {cx + c * x - s * y, cy + s * x + c * y};
    }
    if (std::abs(radians) > 0.5f * kPi) l.quad = {l.quad[2], l.quad[3], l.quad[0], l.quad[1]};
  }
}

// Line boxes in the page's reading frame (see read_page). Only the quads are
// rotated: this runs for every page, text-layer pages included.
std::vector<Box> frame_boxes(const std::vector<TextLine>& lines) {
  const float angle = reading_frame_radians(lines);
  std::vector<Box> boxes;
  boxes.reserve(lines.size());
  std::vector<TextLine> quad_only(1);
  for (const TextLine& l : lines) {
    if (angle == 0.0f) {
      boxes.push_back(bounds(l));
      continue;
    }
    quad_only[0].quad = l.quad;
    rotate_lines(quad_only, angle, 0.0f, 0.0f);
    boxes.push_back(bounds(quad_only[0]));
  }
  return boxes;
}

}  // namespace

ReadPage read_page(std::vector<TextLine> lines, int page_width_px, int page_height_px) {
  const float angle = reading_frame_radians(lines);
  const float cx = 0.5f * static_cast<float>(page_width_px);
  const float cy = 0.5f * static_cast<float>(page_height_px);
  if (angle != 0.0f) rotate_lines(lines, angle, cx, cy);
  ReadPage page{order_lines(std::move(lines), page_width_px, page_height_px), {}};
  if (angle != 0.0f) rotate_lines(page.lines, -angle, cx, cy);
  page.text = page_text(page.lines);
  return page;
}

std::string page_text(const std::vector<TextLine>& ordered_lines) {
  const std::vector<Box> boxes = frame_boxes(ordered_lines);
  const float h = boxes.empty() ? 1.0f : median_height(boxes);

  // The page's usual whitespace between consecutive lines of one block.
  std::vector<float> gaps;
  for (std::size_t i = 1; i < boxes.size(); ++i) {
    const Box& a = boxes[i - 1];
    const Box& b = boxes[i];
    if (b.cy() > a.cy() && h_overlap(a, b) > 0) gaps.push_back(b.y0 - a.y1);
  }
  const float usual_gap = gaps.empty() ? 0.0f : std::min(median(gaps), h);
  const float break_gap = usual_gap + kBlockExtraGap * h;

  std::string text;
  bool wrote = false;
  std::size_t prev = 0;  // last line written; empty lines are skipped
  for (std::size_t i = 0; i < ordered_lines.size(); ++i) {
    std::string line = ordered_lines[i].text;
    while (!line.empty() &&
           (line.back() == ' ' || line.back() == '\t' || line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    if (line.empty()) continue;
    if (wrote) {
      const Box& a = boxes[prev];
      const Box& b = boxes[i];
      // Moving up or sideways means a new column or band.
      const bool new_block = b.cy() <= a.cy() || h_overlap(a, b) <= 0 || b.y0 - a.y1 > break_gap;
      if (new_block) text += '\n';
    }
    text += line;
    text += '\n';
    wrote = true;
    prev = i;
  }
  return text;
}

}  // namespace deepcompress
