#pragma once
// End-of-run reporting of the token figures: the --stats table and the summary log lines.
#include <string>
#include <vector>

#include "config/prices.hpp"
#include "encode/stats.hpp"

namespace deepcompress {

// One measured document of the run (ok or cached).
struct StatsRow {
  std::string input;           // as given or found
  const DocumentStats* stats;  // not null
};

// The --stats table: a row per document, a total row, and, with prices, a cost row per model
// (costs: the run's totals, in prices' model order). Ends with '\n'.
std::string stats_table(const std::vector<StatsRow>& rows, const DocumentStats& total,
                        const PriceTable* prices, const std::vector<CostEstimate>& costs);

// Log lines for the run's totals (n_documents measured): tokens and ratios, then redactions
// per type if any, then a line per priced model if prices is given.
std::vector<std::string> summary_lines(const DocumentStats& total, int n_documents, const PriceTable* prices,
                                       const std::vector<CostEstimate>& costs);

}  // namespace deepcompress
