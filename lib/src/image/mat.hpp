#pragma once
// Conversions between the library's Image and OpenCV matrices (image/ only).
#include <opencv2/core.hpp>

#include "deepcompress/types.hpp"

namespace deepcompress {

// Copies an 8-bit 3-channel BGR matrix (any row stride) into an Image.
Image to_image(const cv::Mat& bgr);

}  // namespace deepcompress
