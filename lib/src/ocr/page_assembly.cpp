#include "ocr/page_assembly.hpp"

#include "common/timer.hpp"
#include "layout/reading_order.hpp"

namespace deepcompress {

std::vector<PageResult> assemble_pages(std::vector<LineJob>& jobs, const std::vector<const Image*>& pages,
                                       StageTimes& times) {
  ScopedTimer timer(&times.t_postprocess_ms);
  std::vector<std::vector<CtcResult*>> page_readings(pages.size());
  for (auto& job : jobs) page_readings[job.page_index].push_back(&job.result);
  for (const auto& readings : page_readings) restore_page_accents(readings);
  std::vector<std::vector<TextLine>> lines(pages.size());
  for (auto& job : jobs) {
    if (job.result.text.empty()) continue;
    TextLine line;
    line.quad = job.quad;
    line.confidence = mean_confidence(job.result);
    line.text = std::move(job.result.text);
    line.char_confidences = std::move(job.result.char_confidences);
    line.rotated_180 = job.rotated_180;
    lines[job.page_index].push_back(std::move(line));
  }
  std::vector<PageResult> results(pages.size());
  for (std::size_t i = 0; i < pages.size(); ++i) {
    results[i].width_px = pages[i]->width_px;
    results[i].height_px = pages[i]->height_px;
    // Deskewed, and turned round when upside down (most lines read turned).
    ReadPage page = read_page(std::move(lines[i]), pages[i]->width_px, pages[i]->height_px);
    results[i].lines = std::move(page.lines);
    results[i].text = std::move(page.text);
  }
  return results;
}

}  // namespace deepcompress
