#include "image/image_source.hpp"


#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <opencv2/core.hpp>
#ifdef DEEPCOMPRESS_HAVE_IMGCODECS  // DEEPCOMPRESS_IMAGE_FILES=ON (CMakeLists.txt)
#include <opencv2/imgcodecs.hpp>
#endif
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <vector>

#include "image/mat.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

#ifdef DEEPCOMPRESS_HAVE_IMGCODECS
// JPEG has no alpha but often an EXIF orientation, which OpenCV applies only
// without IMREAD_UNCHANGED. PNG and TIFF need IMREAD_UNCHANGED to keep alpha
// (IMREAD_ANYCOLOR drops it, leaving transparent areas black).
constexpr int kJpegReadFlags = cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR;
constexpr int kReadFlags = cv::IMREAD_UNCHANGED;
#endif
constexpr std::size_t kSniffBytes = 1024;

// Reads up to n_bytes from the start of the file. Throws Error(kInput) with a
// message that says whether the file is missing, a directory or unreadable.
std::string read_head(const std::filesystem::path& path, std::size_t n_bytes) {
  const std::string file = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw Error(ErrorKind::kInput, "no such file", file);
  if (std::filesystem::is_directory(status)) throw Error(ErrorKind::kInput, "is a directory", file);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::kInput, std::string("cannot read: ") + std::strerror(errno), file);
  }
  std::string head(n_bytes, '\0');
  std::size_t n_read = 0;
  while (n_read < n_bytes) {
    const ssize_t n = ::read(fd, head.data() + n_read, n_bytes - n_read);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw Error(ErrorKind::kInput, std::string("cannot read: ") + std::strerror(err), file);
    }
    if (n == 0) break;
    n_read += static_cast<std::size_t>(n);
  }
  ::close(fd);
  head.resize(n_read);
  return head;
}

bool is_jpeg(std::string_view head) {
  return head.substr(0, 3) == std::string_view("\xff\xd8\xff", 3);
}

bool is_tiff(std::string_view head) {
  return head.substr(0, 4) == std::string_view("II*\0", 4) ||
         head.substr(0, 4) == std::string_view("MM\0*", 4);
}

#ifdef DEEPCOMPRESS_HAVE_IMGCODECS
// Any decoded frame -> 8-bit BGR. 16-bit is scaled (not clipped) so that a
// 16-bit scan keeps its contrast; alpha is composited on white because
// transparent areas of a document are paper.
cv::Mat to_bgr8(const cv::Mat& decoded) {
  cv::Mat eight;
  switch (decoded.depth()) {
    case CV_8U: eight = decoded; break;
    case CV_16U: decoded.convertTo(eight, CV_8U, 1.0 / 257.0); break;
    case CV_32F:
    case CV_64F: decoded.convertTo(eight, CV_8U, 255.0); break;  // float images are 0..1
    default: {
      double lo = 0, hi = 0;
      cv::minMaxLoc(decoded.reshape(1), &lo, &hi);
      const double scale = hi > lo ? 255.0 / (hi - lo) : 1.0;
      decoded.convertTo(eight, CV_8U, scale, -lo * scale);
    }
  }

  cv::Mat bgr;
  switch (eight.channels()) {
    case 1: cv::cvtColor(eight, bgr, cv::COLOR_GRAY2BGR); break;
    case 3: bgr = eight; break;
    case 2:
    case 4: {
      std::vector<cv::Mat> planes;
      cv::split(eight, planes);
      cv::Mat alpha = planes.back();
      planes.pop_back();
      if (planes.size() == 1) planes = {planes[0], planes[0], planes[0]};
      cv::Mat alpha_f;
      alpha.convertTo(alpha_f, CV_32F, 1.0 / 255.0);
      cv::Mat inverse = 1.0 - alpha_f;
      for (auto& plane : planes) {
        cv::Mat plane_f;
        plane.convertTo(plane_f, CV_32F);
        plane_f = plane_f.mul(alpha_f) + inverse * 255.0;
        plane_f.convertTo(plane, CV_8U);  // rounds and saturates
      }
      cv::merge(planes, bgr);
      break;
    }
    default:
      throw cv::Exception(cv::Error::StsUnsupportedFormat,
                          "unsupported channel count " + std::to_string(eight.channels()),
                          "to_bgr8", __FILE__, __LINE__);
  }
  return bgr;
}

class ImageFileSource final : public PageSource {
 public:
  ImageFileSource(std::string file, int n_pages, bool multi_page, int read_flags)
      : file_(std::move(file)), n_pages_(n_pages), multi_page_(multi_page),
        read_flags_(read_flags) {}

  int n_pages() const override { return n_pages_; }

  // Decodes a frame. Keeps at most one decoded frame (page 1, decoded at open
  // to validate the file) so that a long TIFF is never held in memory at once.
  Image render(int page_number) override {
    if (page_number < 1 || page_number > n_pages_) {
      throw Error(ErrorKind::kInput,
                  "no such page (document has " + std::to_string(n_pages_) + ")", file_,
                  page_number);
    }
    try {
      cv::Mat frame;
      if (cached_page_ == page_number) {
        frame = std::move(cached_frame_);
        cached_page_ = 0;
        cached_frame_ = cv::Mat();
      } else {
        frame = decode(page_number);
      }
      return to_image(to_bgr8(frame));
    } catch (const cv::Exception& e) {
      throw Error(ErrorKind::kInput, std::string("cannot decode: ") + e.err, file_, page_number);
    }
  }

  // Throws cv::Exception or Error; callers translate.
  cv::Mat decode(int page_number) const {
    cv::Mat frame;
    if (multi_page_) {
      std::vector<cv::Mat> frames;
      if (cv::imreadmulti(file_, frames, page_number - 1, 1, read_flags_) && !frames.empty()) {
        frame = std::move(frames.front());
      }
    } else {
      frame = cv::imread(file_, read_flags_);
    }
    if (frame.empty()) throw Error(ErrorKind::kInput, "cannot decode image", file_, page_number);
    return frame;
  }

  void cache(int page_number, cv::Mat frame) {
    cached_page_ = page_number;
    cached_frame_ = std::move(frame);
  }

 private:
  std::string file_;
  int n_pages_;
  bool multi_page_;
  int read_flags_;
  int cached_page_ = 0;
  cv::Mat cached_frame_;
};
#endif  // DEEPCOMPRESS_HAVE_IMGCODECS

}  // namespace

FileKind sniff_file_kind(const std::filesystem::path& path) {
  const std::string head = read_head(path, kSniffBytes);
  // PDF readers accept a header anywhere in the first 1024 bytes (junk before
  // it is common in files from some generators), so do the same.
  if (head.find("%PDF") != std::string::npos) return FileKind::kPdf;
  const std::string_view h(head);
  if (h.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return FileKind::kImage;
  if (is_jpeg(h)) return FileKind::kImage;
  if (is_tiff(h)) return FileKind::kImage;
  return FileKind::kUnknown;
}

std::unique_ptr<PageSource> open_image_file(const std::filesystem::path& path) {
  const std::string file = path.string();
#ifndef DEEPCOMPRESS_HAVE_IMGCODECS
  throw Error(ErrorKind::kInput,
              "image files cannot be read by this build (DEEPCOMPRESS_IMAGE_FILES=OFF: PDF inputs only)", file);
#else
  const std::string head = read_head(path, 8);
  try {
    int n_pages = 1;
    const bool multi_page = is_tiff(head);
    if (multi_page) n_pages = static_cast<int>(cv::imcount(file, kReadFlags));
    if (n_pages <= 0) throw Error(ErrorKind::kInput, "cannot decode image", file);
    const int read_flags = is_jpeg(head) ? kJpegReadFlags : kReadFlags;
    auto source = std::make_unique<ImageFileSource>(file, n_pages, multi_page, read_flags);
    cv::Mat first = source->decode(1);
    if (first.empty()) throw Error(ErrorKind::kInput, "cannot decode image", file);
    source->cache(1, std::move(first));
    return source;
  } catch (const Error& e) {
    // decode() names page 1; at open time the whole file is the problem.
    if (e.page() != 0) throw Error(e.kind(), e.detail(), file);
    throw;
  } catch (const cv::Exception& e) {
    throw Error(ErrorKind::kInput, std::string("cannot decode image: ") + e.err, file);
  }
#endif
}

}  // namespace deepcompress
