#include "job/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace deepcompress {
namespace {

constexpr std::size_t kMaxNameWidth = 48;

// A ratio, or "-" without a denominator.
std::string ratio_text(double ratio) { return std::isfinite(ratio) ? fmt::format("{:.3f}", ratio) : "-"; }

std::size_t n_redacted(const DocumentStats& s) {
  std::size_t n = 0;
  for (const auto& [type, count] : s.n_redactions) n += count;
  return n;
}

// Long names keep their end (the file name): "...dir/x.pdf".
std::string fit_name(const std::string& name, std::size_t width) {
  if (name.size() <= width) return name;
  return "..." + name.substr(name.size() - (width - 3));
}

std::string row(const std::string& name, std::size_t width, std::size_t n_pages, const DocumentStats& s) {
  return fmt::format("{:<{}}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>6.1f}%  {:>9}  {:>8}\n",
                     fit_name(name, width), width, n_pages, s.n_tokens_faithful, s.n_tokens_compact,
                     s.n_tokens_image, ratio_text(s.ratio()), ratio_text(s.ratio_image()),
                     100.0 * s.words.recall(), s.n_furniture_lines, n_redacted(s));
}

}  // namespace

std::string stats_table(const std::vector<StatsRow>& rows, const DocumentStats& total,
                        const PriceTable* prices, const std::vector<CostEstimate>& costs) {
  const std::string total_name = fmt::format("total ({})", rows.size());
  std::size_t width = std::max(std::string_view("document").size(), total_name.size());
  for (const StatsRow& r : rows) width = std::max(width, std::min(r.input.size(), kMaxNameWidth));
  std::string out = fmt::format(
      "token figures ({}; image: OpenAI high-detail tiles of each page as rendered; docs/compression.md)\n",
      total.tokenizer);
  out += fmt::format("{:<{}}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>7}  {:>9}  {:>8}\n", "document",
                     width, "pages", "faithful", "compact", "image", "c/faith", "c/image", "recall",
                     "furniture", "redacted");
  std::size_t n_pages = 0;
  for (const StatsRow& r : rows) {
    out += row(r.input, width, r.stats->pages.size(), *r.stats);
    n_pages += r.stats->pages.size();
  }
  out += row(total_name, width, n_pages, total);
  if (prices != nullptr) {
    out += fmt::format(
        "cost estimate in USD, input only (prices as of {}: they change, check the vendors' pages)\n",
        prices->as_of);
    std::size_t model_width = std::string_view("model").size();
    for (const CostEstimate& c : costs) model_width = std::max(model_width, c.model.size());
    out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>12}  {:>12}\n", "model", model_width, "faithful",
                       "compact", "images", "image tokens");
    for (const CostEstimate& c : costs) {
      out += fmt::format("{:<{}}  {:>12.6f}  {:>12.6f}  {:>12.6f}  {:>12}\n", c.model, model_width,
                         c.usd_faithful, c.usd_compact, c.usd_image, c.n_tokens_image);
    }
  }
  return out;
}

std::vector<std::string> summary_lines(const DocumentStats& total, int n_documents, const PriceTable* prices,
                                       const std::vector<CostEstimate>& costs) {
  std::vector<std::string> out;
  out.push_back(
      fmt::format("tokens ({}) over {} document(s): faithful {}, compact {} (ratio {}), page images {} "
                  "(compact/image {}), "
                  "word recall {:.1f}% of {}, {} furniture line(s) dropped",
                  total.tokenizer, n_documents, total.n_tokens_faithful, total.n_tokens_compact,
                  ratio_text(total.ratio()), total.n_tokens_image, ratio_text(total.ratio_image()),
                  100.0 * total.words.recall(), total.words.n_words, total.n_furniture_lines));
  if (!total.n_redactions.empty()) {
    std::string counts;
    for (const auto& [type, n] : total.n_redactions)
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", type, n);
    out.push_back("redactions: " + counts);
  }
  if (prices != nullptr) {
    for (const CostEstimate& c : costs) {
      out.push_back(
          fmt::format("cost estimate {} (USD, prices as of {}): faithful {:.6f}, compact {:.6f}, page "
                      "images {:.6f}",
                      c.model, prices->as_of, c.usd_faithful, c.usd_compact, c.usd_image));
    }
  }
  return out;
}

}  // namespace deepcompress
