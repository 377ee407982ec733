#include "pdf/pdf_source.hpp"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "deepcompress/error.hpp"
#include "pdf/text_layer.hpp"

namespace deepcompress {
namespace {

// Pages whose render would exceed this are rendered at a lower dpi: a poster
// or a corrupt MediaBox must not take gigabytes.
constexpr double kMaxPagePixels = 100e6;
// The text-layer verdict compares the text boxes with the ink of the page
// rendered in gray at this dpi (at most kMaxProbePixels): cheap, and 10 pt
// text is still 5 px tall.
constexpr double kProbeDpi = 36;
constexpr double kMaxProbePixels = 2e6;

void poppler_to_logger(const std::string& message, void* /*closure*/) {
  logger()->debug("poppler: {}", message);
}

// Poppler prints errors to stderr by default; the library must not write to
// the terminal, so route them to the logger (once, process-wide).
void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(&poppler_to_logger, nullptr); });
}

// The page's displayed size in inches: crop box, turned by the page rotation.
std::pair<double, double> size_in(const poppler::page& page) {
  const poppler::rectf rect = page.page_rect(poppler::crop_box);
  const double width_in = std::abs(rect.width()) / 72.0;
  const double height_in = std::abs(rect.height()) / 72.0;
  const auto o = page.orientation();
  const bool turned = o == poppler::page::landscape || o == poppler::page::seascape;
  return turned ? std::pair{height_in, width_in} : std::pair{width_in, height_in};
}

// The pixel size Poppler's renderer produces at dpi (rounded half up).
PageSize size_at(const poppler::page& page, double dpi) {
  const auto [width_in, height_in] = size_in(page);
  return {static_cast<int>(width_in * dpi + 0.5), static_cast<int>(height_in * dpi + 0.5)};
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
  PdfSource(std::unique_ptr<poppler::document> document, std::string file, int dpi, bool password_protected)
      : document_(std::move(document)), file_(std::move(file)), dpi_(dpi), password_protected_(password_protected) {
    renderer_.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer_.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer_.set_image_format(poppler::image::format_bgr24);
    probe_renderer_.set_render_hint(poppler::page_renderer::antialiasing, true);
    probe_renderer_.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    probe_renderer_.set_image_format(poppler::image::format_gray8);
  }

  int n_pages() const override { return document_->pages(); }
  bool password_protected() const override { return password_protected_; }

  Image render(int page_number) override {
    const std::unique_ptr<poppler::page> page = load_page(page_number);
    const double dpi = render_dpi(*page, page_number, /*log_reduction=*/true);
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

  PageSize page_size(int page_number) override {
    const std::unique_ptr<poppler::page> page = load_page(page_number);
    return size_at(*page, render_dpi(*page, page_number, /*log_reduction=*/false));
  }

  TextLayer text_layer(int page_number) override {
    const std::unique_ptr<poppler::page> page = load_page(page_number);
    const double dpi = render_dpi(*page, page_number, /*log_reduction=*/false);
    const PageSize size = size_at(*page, dpi);
    TextLayer layer;
    layer.width_px = size.width_px;
    layer.height_px = size.height_px;
    int n_rotated_chars = 0;
    try {
      const float scale = static_cast<float>(dpi / 72.0);
      std::vector<PdfWord> words;
      for (const poppler::text_box& box : page->text_list(poppler::page::text_list_include_font)) {
        const poppler::byte_array utf8 = box.text().to_utf8();
        std::string text(utf8.begin(), utf8.end());
        if (box.rotation() != 0) {  // vertical or upside-down words are dropped
          for (char c : text) n_rotated_chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
          continue;
        }
        const poppler::rectf r = box.bbox();
        const BoxF b{static_cast<float>(r.left()) * scale, static_cast<float>(r.top()) * scale,
                     static_cast<float>(r.right()) * scale, static_cast<float>(r.bottom()) * scale};
        const bool finite = std::isfinite(b.x0) && std::isfinite(b.y0) && std::isfinite(b.x1) &&
                            std::isfinite(b.y1);
        if (!finite || b.x1 <= 0 || b.y1 <= 0 || b.x0 >= size.width_px || b.y0 >= size.height_px) {
          continue;  // off the page
        }
        const std::string font = box.has_font_info() ? box.get_font_name(0) : std::string();
        words.push_back({std::move(text), b, box.has_space_after(), font_is_monospace(font), font_is_bold(font)});
      }
      layer.lines = words_to_lines(words);
    } catch (const std::exception& e) {
      throw Error(ErrorKind::kInput, std::string("text layer failed: ") + e.what(), file_,
                  page_number);
    }

    const GlyphStats stats = glyph_stats(layer.lines);
    layer.n_chars = stats.n_chars;
    std::string reason;
    if (n_rotated_chars > stats.n_chars) {
      reason = stats.n_chars == 0 ? "text layer has only rotated text" : "text layer is mostly rotated text";
    } else {
      reason = garbage_reason(stats);
    }
    if (reason.empty()) {
      const double probe_dpi = probe_dpi_for(*page);
      const InkCoverage coverage =
          ink_coverage(render_gray(*page, probe_dpi, page_number), probe_dpi, dpi, layer.lines);
      if (stats.n_chars == 0) {
        // A blank page, or graphics without text: nothing for OCR to read.
        if (coverage.n_textlike_outside_px > 0) reason = "no text layer";
      } else {
        reason = coverage_reason(coverage);
      }
    }
    layer.usable = reason.empty();
    layer.note = !layer.usable ? reason : stats.n_chars > 0 ? "text layer usable" : "page has no text";
    return layer;
  }

 private:
  std::unique_ptr<poppler::page> load_page(int page_number) const {
    if (page_number < 1 || page_number > n_pages()) {
      throw Error(ErrorKind::kInput,
                  "no such page (document has " + std::to_string(n_pages()) + ")", file_,
                  page_number);
    }
    std::unique_ptr<poppler::page> page(document_->create_page(page_number - 1));
    if (!page) throw Error(ErrorKind::kInput, "cannot load page", file_, page_number);
    return page;
  }

  // The dpi the page renders at: the requested one, lowered for a page that
  // would exceed kMaxPagePixels (logged once per render when log_reduction).
  double render_dpi(const poppler::page& page, int page_number, bool log_reduction) const {
    const auto [width_in, height_in] = size_in(page);
    const double n_pixels = width_in * height_in * dpi_ * dpi_;
    if (n_pixels <= kMaxPagePixels) return dpi_;
    const double dpi = std::floor(std::sqrt(kMaxPagePixels / (width_in * height_in)));
    if (dpi < 1) throw Error(ErrorKind::kInput, "page is too large to render", file_, page_number);
    if (log_reduction) {
      logger()->warn("{}: page {}: {:.0f}x{:.0f} in page would exceed {:.0f} megapixels at {} dpi;"
                     " rendering at {:.0f} dpi",
                     file_, page_number, width_in, height_in, kMaxPagePixels / 1e6, dpi_, dpi);
    }
    return dpi;
  }

  // The low dpi at which the ink is compared with the text layer.
  static double probe_dpi_for(const poppler::page& page) {
    const auto [width_in, height_in] = size_in(page);
    return std::min(kProbeDpi, std::sqrt(kMaxProbePixels / std::max(width_in * height_in, 1e-6)));
  }

  Image render_gray(const poppler::page& page, double dpi, int page_number) const {
    try {
      const poppler::image rendered = probe_renderer_.render_page(&page, dpi, dpi);
      if (!rendered.is_valid() || rendered.width() <= 0 || rendered.height() <= 0 ||
          rendered.format() != poppler::image::format_gray8) {
        throw Error(ErrorKind::kInput, "render failed", file_, page_number);
      }
      Image out;
      out.width_px = rendered.width();
      out.height_px = rendered.height();
      out.n_channels = 1;
      out.pixels.resize(static_cast<std::size_t>(out.width_px) * out.height_px);
      const auto* src = reinterpret_cast<const std::uint8_t*>(rendered.const_data());
      for (int y = 0; y < out.height_px; ++y) {
        std::memcpy(out.pixels.data() + static_cast<std::size_t>(y) * out.width_px,
                    src + static_cast<std::ptrdiff_t>(y) * rendered.bytes_per_row(),
                    static_cast<std::size_t>(out.width_px));
      }
      return out;
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(ErrorKind::kInput, std::string("render failed: ") + e.what(), file_,
                  page_number);
    }
  }

  std::unique_ptr<poppler::document> document_;
  poppler::page_renderer renderer_;
  poppler::page_renderer probe_renderer_;
  std::string file_;
  int dpi_;
  bool password_protected_;
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
  // Opened with the supplied password (not the empty one): its text is as
  // secret as the password.
  bool password_protected = !password.empty() && document->is_encrypted();
  if (document->is_locked() && !password.empty()) {
    // The run has one password for every document; an owner-only encrypted
    // file (empty user password) in the same run must still open, but
    // Poppler does not fall back to the empty password when another is given.
    std::unique_ptr<poppler::document> open_without(poppler::document::load_from_file(file));
    if (open_without && !open_without->is_locked()) {
      document = std::move(open_without);
      password_protected = false;
    }
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
  return std::make_unique<PdfSource>(std::move(document), file, dpi, password_protected);
}

}  // namespace deepcompress
