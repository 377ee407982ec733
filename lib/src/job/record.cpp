#include "job/record.hpp"

#include <fmt/format.h>

#include "encode/writers.hpp"

namespace deepcompress {
namespace {

// A JSON string literal, escaped as the library's JSON writer does (invalid
// UTF-8 in file names becomes U+FFFD, so every line parses).
std::string json_string(const std::string& text) {
  std::string literal;
  append_json_string(literal, text);
  return literal;
}

}  // namespace

const char* status_name(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kCached: return "cached";
    case Status::kFailed: return "failed";
    case Status::kSkipped: return "skipped";
    case Status::kPending: break;
  }
  return "skipped";
}

std::string manifest_line(const Record& r) {
  std::string outputs;
  for (const auto& path : r.outputs) outputs += (outputs.empty() ? "" : ", ") + json_string(path);
  const std::string sources =
      r.n_pages_by_source ? fmt::format("{{\"ocr\": {}, \"text_layer\": {}, \"none\": {}}}", (*r.n_pages_by_source)[0],
                                        (*r.n_pages_by_source)[1], (*r.n_pages_by_source)[2])
                          : "null";
  const StageTimes& t = r.times;
  return fmt::format(
      "{{\"input\": {}, \"sha256\": {}, \"status\": \"{}\", \"pages\": {}, \"sources\": {}, \"outputs\": [{}], "
      "\"times_ms\": {{\"render\": {:.1f}, \"preprocess\": {:.1f}, \"detect\": {:.1f}, \"classify\": {:.1f}, "
      "\"recognize\": {:.1f}, \"postprocess\": {:.1f}, \"total\": {:.1f}}}, \"stats\": {}, \"error\": {}}}\n",
      json_string(r.input), r.sha256.empty() ? "null" : json_string(r.sha256), status_name(r.status),
      r.n_pages, sources, outputs, t.t_render_ms, t.t_preprocess_ms, t.t_detect_ms, t.t_classify_ms, t.t_recognize_ms,
      t.t_postprocess_ms, t.total_ms(), r.stats ? stats_json(*r.stats) : "null",
      r.error.empty() ? "null" : json_string(r.error));
}

std::string summary_json_line(const JobReport& report, int n_pages_cached, double seconds,
                              const std::string& shard, bool interrupted, const DocumentStats& total,
                              const std::vector<CostEstimate>* costs) {
  const RunSummary& summary = report.ocr;
  const StageTimes& t = summary.times;
  const int n_pages_read = summary.n_pages + summary.n_pages_text_layer;
  return fmt::format(
      "{{\"documents\": {}, \"ok\": {}, \"cached\": {}, \"failed\": {}, \"skipped\": {}, \"pages\": {}, "
      "\"pages_text_layer\": {}, \"pages_cached\": {}, \"pages_timed_out\": {}, \"batches\": {}, \"seconds\": {:.3f}, \"pages_per_second\": {:.3f}, \"files_written\": {}, "
      "\"files_unchanged\": {}, \"shard\": {}, \"interrupted\": {}, \"stage_ms\": {{\"render\": {:.1f}, "
      "\"preprocess\": {:.1f}, \"detect\": {:.1f}, \"classify\": {:.1f}, \"recognize\": {:.1f}, "
      "\"postprocess\": {:.1f}}}, \"stats\": {}, \"cost\": {}}}\n",
      report.n_documents, report.n_ok, report.n_cached, report.n_failed, report.n_skipped, summary.n_pages,
      summary.n_pages_text_layer, n_pages_cached, summary.n_pages_timed_out, summary.n_batches, seconds,
      seconds > 0 ? n_pages_read / seconds : 0.0, report.n_files_written, report.n_files_unchanged,
      shard.empty() ? "null" : fmt::format("\"{}\"", shard), interrupted ? "true" : "false", t.t_render_ms,
      t.t_preprocess_ms, t.t_detect_ms, t.t_classify_ms, t.t_recognize_ms, t.t_postprocess_ms, stats_json(total),
      costs ? cost_json(*costs) : "null");
}

}  // namespace deepcompress
