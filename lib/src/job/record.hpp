#pragma once
// A job's bookkeeping: one record per input, and the reports written from the records
// (the --manifest lines, the --summary-json object).
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "deepcompress/job.hpp"
#include "deepcompress/types.hpp"
#include "encode/stats.hpp"
#include "job/cache.hpp"

namespace deepcompress {

enum class Status { kPending, kOk, kCached, kFailed, kSkipped };

// "ok", "cached", "failed", "skipped" (pending: "skipped").
const char* status_name(Status status);

struct Record {
  std::string input;
  std::filesystem::path output_base;
  std::string sha256;
  CacheKeyInputs key_inputs;      // what this document's cache keys hash, without the lock
  std::string facts_key;          // cache key of its facts entry; empty = cache not used
  std::vector<std::string> keys;  // cache key per format
  std::vector<std::string> outputs;
  Status status = Status::kPending;
  int n_pages = 0;
  // Pages by text source (ocr, text_layer, none): read by this run, or kept
  // in the cache with its outputs; unknown for failed and skipped documents.
  std::optional<std::array<int, 3>> n_pages_by_source;
  StageTimes times;
  std::string error;
  std::string stats_key;               // cache key of the stats record; empty = not cached
  std::optional<DocumentStats> stats;  // token figures, if measured (ok) or wanted (cached)
  std::vector<Redaction> redactions;   // ok and cached documents
};

// The --manifest line of r (one JSON object, ends in '\n').
std::string manifest_line(const Record& r);

// The --summary-json object of a finished job (ends in '\n'); total and costs: the token
// figures over the measured documents (costs empty: no price table).
std::string summary_json_line(const JobReport& report, int n_pages_cached, double seconds,
                              const std::string& shard, bool interrupted, const DocumentStats& total,
                              const std::vector<CostEstimate>* costs);

}  // namespace deepcompress
