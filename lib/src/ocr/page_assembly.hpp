#pragma once
// The last OCR stage: a batch's read lines -> one PageResult per page
// (accents restored per page, deskewed reading order, page text).
#include <vector>

#include "deepcompress/types.hpp"
#include "ocr/line_job.hpp"

namespace deepcompress {

// Results in the order of pages, page_number unset. Consumes the jobs' text.
std::vector<PageResult> assemble_pages(std::vector<LineJob>& jobs, const std::vector<const Image*>& pages,
                                       StageTimes& times);

}  // namespace deepcompress
