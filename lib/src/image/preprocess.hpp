#pragma once
// Small preprocessing steps between page images and model input tensors.
// All float outputs are CHW, channel order as in the input image (BGR),
// written into caller-provided buffers so batch tensors can be reused.
#include <array>

#include "deepcompress/types.hpp"

namespace deepcompress {

// Detector input: scales the page to fit a canvas_side_px x canvas_side_px
// canvas (aspect kept, top-left aligned), normalizes with the ImageNet
// mean/std (x/255 - mean) / std, zero-pads the rest. Writes 3*side*side
// floats to dst. Returns the scale (canvas px per page px).
float to_detector_canvas(const Image& page, int canvas_side_px, float* dst);

// Crops a quad (page px, clockwise from top-left) with a perspective warp;
// a crop at least 1.5x taller than wide is rotated 90 degrees so that text runs
// left to right. Returns an empty Image for degenerate quads.
Image crop_quad(const Image& page, const std::array<PointF, 4>& quad);

// The quad (clockwise from top-left) lengthened at both ends of its long axis
// by ratio x its short side, each corner clamped into the page. DB boxes end
// flush with a line's last glyph, and the recognizer then often drops a final
// '.' or ','; real page pixels past the end let it see them.
std::array<PointF, 4> extend_along_text(const std::array<PointF, 4>& quad, float ratio, int page_width_px,
                                        int page_height_px);

// Rotates an image by 180 degrees.
Image rotate_180(const Image& image);

inline constexpr int kClsHeightPx = 48;
inline constexpr int kClsWidthPx = 192;
inline constexpr int kRecHeightPx = 48;

// Angle-classifier input: resize to height 48 (width <= 192, aspect kept),
// (x/255 - 0.5) / 0.5, zero-pad to 192. Writes 3*48*192 floats.
void to_classifier_input(const Image& crop, float* dst);

// Width in px a crop gets when resized to height 48, its aspect multiplied by
// width_scale (< 1 squeezes the line horizontally); at least 8, at most max_width_px.
int recognizer_width_px(const Image& crop, int max_width_px, float width_scale = 1.0f);

// Recognizer input: resize to 48 x recognizer_width_px(crop, width_px, width_scale)
// then (x/255 - 0.5) / 0.5 and zero-pad to width_px. Writes 3*48*width_px floats.
void to_recognizer_input(const Image& crop, int width_px, float* dst, float width_scale = 1.0f);

}  // namespace deepcompress
