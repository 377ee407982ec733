#include "image/mat.hpp"

#include <cstdint>
#include <cstring>

namespace deepcompress {

Image to_image(const cv::Mat& bgr) {
  Image out;
  out.width_px = bgr.cols;
  out.height_px = bgr.rows;
  out.n_channels = 3;
  out.pixels.resize(static_cast<std::size_t>(bgr.cols) * bgr.rows * 3);
  const std::size_t row_bytes = static_cast<std::size_t>(bgr.cols) * 3;
  for (int y = 0; y < bgr.rows; ++y) {
    std::memcpy(out.pixels.data() + y * row_bytes, bgr.ptr<std::uint8_t>(y), row_bytes);
  }
  return out;
}

}  // namespace deepcompress
