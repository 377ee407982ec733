#include "pdf/pdf_source.hpp"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>

#include "common/log.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

// Pages whose render would exceed this are rendered at a lower dpi: a poster
// or a corrupt MediaBox must not take gigabytes.
constexpr double kMaxPagePixels = 100e6;

void poppler_to_logger(const std::string& message, void* /*closure*/) {
  logger()->debug("poppler: {}", message);
}

// Poppler prints errors to stderr by default; the library must not write to
// the terminal, so route them to the logger (once, process-wide).
void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&poppler_to_logger, nullptr); });
}

// Copies a rendered poppler::image into a packed BGR Image, honoring the row
// stride (rows may be padded) and whatever format Poppler chose.
Image to_bgr(const poppler::image& rendered, const std::string& file, int page_number) {
  const int width = rendered.width();
  const int height = rendered.height();
  const int stride = rendered.bytes_per_row();
  Image out;
  out.width_px = width;
  out.height_px = height;
  out.n_channels = 3;
  out.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  const auto* src_base = reinterpret_cast<const std::uint8_t*>(rendered.const_data());
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* src = src_base + static_cast<std::ptrdiff_t>(y) * stride;
    std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * width * 3;
    switch (rendered.format()) {
      case poppler::image::format_bgr24:
        std::memcpy(dst, src, static_cast<std::size_t>(width) * 3);
        break;
      // argb32 / rgb24 are native-endian 32-bit words 0xAARRGGBB: in memory on
      // little-endian that is B, G, R, A. The paper is opaque white, so alpha
      // is 255 and premultiplication does not matter.
      case poppler::image::format_argb32:
      case poppler::image::format_rgb24:
        for (int x = 0; x < width; ++x) {
          std::uint32_t word;
          std::memcpy(&word, src + 4 * x, 4);
          dst[3 * x + 0] = static_cast<std::uint8_t>(word & 0xff);
          dst[3 * x + 1] = static_cast<std::uint8_t>((word >> 8) & 0xff);
          dst[3 * x + 2] = static_cast<std::uint8_t>((word >> 16) & 0xff);
        }
        break;
      case poppler::image::format_gray8:
        for (int x = 0; x < width; ++x) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
        break;
      case poppler::image::format_mono:
        for (int x = 0; x < width; ++x) {
          const bool set = (src[x / 8] >> (7 - x % 8)) & 1;
          const std::uint8_t v = set ? 255 : 0;
          dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = v;
        }
        break;
      default:
        throw Error(ErrorKind::kInput, "render failed: unsupported image format", file,
                    page_number);
    }
  }
  return out;
}

class PdfSource final : public PageSource {
 public:
  PdfSource(std::unique_ptr<poppler::document> document, std::string file, int dpi)
      : document_(std::move(document)), file_(std::move(file)), dpi_(dpi) {
    renderer_.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer_.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer_.set_image_format(poppler::image::format_bgr24);
  }

  int n_pages() const override { return document_->pages(); }

  Image render(int page_number) override {
    if (page_number < 1 || page_number > n_pages()) {
      throw Error(ErrorKind::kInput,
                  "no such page (document has " + std::to_string(n_pages()) + ")", file_,
                  page_number);
    }
    std::unique_ptr<poppler::page> page(document_->create_page(page_number - 1));
    if (!page) throw Error(ErrorKind::kInput, "cannot load page", file_, page_number);

    double dpi = dpi_;
    const poppler::rectf rect = page->page_rect(poppler::crop_box);
    const double width_in = std::abs(rect.width()) / 72.0;
    const double height_in = std::abs(rect.height()) / 72.0;
    const double n_pixels = width_in * height_in * dpi * dpi;
    if (n_pixels > kMaxPagePixels) {
      dpi = std::floor(std::sqrt(kMaxPagePixels / (width_in * height_in)));
      if (dpi < 1) throw Error(ErrorKind::kInput, "page is too large to render", file_, page_number);
      logger()->warn("{}: page {}: {:.0f}x{:.0f} in page would exceed {:.0f} megapixels at {} dpi;"
                     " rendering at {:.0f} dpi",
                     file_, page_number, width_in, height_in, kMaxPagePixels / 1e6, dpi_, dpi);
    }

    try {
      const poppler::image rendered = renderer_.render_page(page.get(), dpi, dpi);
      if (!rendered.is_valid() || rendered.width() <= 0 || rendered.height() <= 0) {
        throw Error(ErrorKind::kInput, "render failed", file_, page_number);
      }
      return to_bgr(rendered, file_, page_number);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {  // e.g. bad_alloc on a huge page
      throw Error(ErrorKind::kInput, std::string("render failed: ") + e.what(), file_,
                  page_number);
    }
  }

 private:
  std::unique_ptr<poppler::document> document_;
  poppler::page_renderer renderer_;
  std::string file_;
  int dpi_;
};

}  // namespace

std::unique_ptr<PageSource> open_pdf(const std::filesystem::path& path,
                                     const std::string& password, int dpi) {
  silence_poppler();
  const std::string file = path.string();
  if (dpi <= 0) throw Error(ErrorKind::kInput, "dpi must be positive", file);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw Error(ErrorKind::kInput, "no such file", file);
  if (std::filesystem::is_directory(status)) throw Error(ErrorKind::kInput, "is a directory", file);
  {
    // Poppler reports an unreadable file and a corrupt one the same way (null);
    // check readability first so the message says which.
    std::ifstream probe(path, std::ios::binary);
    if (!probe) {
      throw Error(ErrorKind::kInput, std::string("cannot read: ") + std::strerror(errno), file);
    }
  }

  // The same password is tried as owner and user password: callers have one.
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_file(file, password, password));
  if (!document) throw Error(ErrorKind::kInput, "not a PDF or corrupt", file);
  if (document->is_locked() && !password.empty()) {
    // The run has one password for every document; an owner-only encrypted
    // file (empty user password) in the same run must still open, but
    // Poppler does not fall back to the empty password when another is given.
    std::unique_ptr<poppler::document> open_without(poppler::document::load_from_file(file));
    if (open_without && !open_without->is_locked()) document = std::move(open_without);
  }
  if (document->is_locked()) {
    const char* detail = password.empty()
                             ? "encrypted: supply the password with --password-file or "
                               "DEEPCOMPRESS_PDF_PASSWORD"
                             : "encrypted: the supplied password is wrong (use --password-file "
                               "or DEEPCOMPRESS_PDF_PASSWORD)";
    throw Error(ErrorKind::kInput, detail, file);
  }
  if (!poppler::page_renderer::can_render()) {
    throw Error(ErrorKind::kInternal, "Poppler was built without a renderer", file);
  }
  return std::make_unique<PdfSource>(std::move(document), file, dpi);
}

}  // namespace deepcompress
