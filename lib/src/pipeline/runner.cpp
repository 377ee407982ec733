// The streaming run: one render thread -> bounded page queue -> fixed-size
// batches that mix documents -> per-document assembly -> the caller's sink.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <thread>
#include <variant>

#include "common/log.hpp"
#include "common/timer.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"
#include "image/image_source.hpp"
#include "pdf/pdf_source.hpp"
#include "pipeline/bounded_queue.hpp"
#include "pipeline/engine_impl.hpp"

namespace deepcompress {
namespace {

std::unique_ptr<PageSource> open_source(const std::filesystem::path& path, const Options& options) {
  switch (sniff_file_kind(path)) {
    case FileKind::kPdf: return open_pdf(path, options.password, options.dpi);
    case FileKind::kImage: return open_image_file(path);
    case FileKind::kUnknown: break;
  }
  throw Error(ErrorKind::kInput, "not a PDF or a supported image (PNG, JPEG, TIFF)", path.string());
}

// The selected 1-based page numbers of a document; range errors name the file.
std::vector<int> selected_pages(const std::filesystem::path& path, const Options& options, int n_pages) {
  try {
    return parse_page_ranges(options.pages, n_pages);
  } catch (const Error& e) {
    throw Error(ErrorKind::kInput, e.detail(), path.string());
  }
}

// One-line message for a failure, always naming the file.
std::string failure_message(const std::filesystem::path& path, const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e); error != nullptr) {
    return error->file().empty() ? fmt::format("{}: {}", path.string(), error->what()) : error->what();
  }
  return fmt::format("{}: internal error: {}", path.string(), e.what());
}

struct RenderedPage {
  std::size_t doc = 0;
  std::size_t position = 0;  // index among the document's selected pages
  int page_number = 0;
  Image image;
  double t_render_ms = 0;
};
struct RenderFailure {
  std::size_t doc = 0;
  std::string message;
};
using QueueItem = std::variant<RenderedPage, RenderFailure>;

struct DocumentState {
  std::vector<int> page_numbers;  // selected pages, in order
  DocumentResult result;
  std::size_t n_pages_done = 0;
  bool finished = false;  // handed to the sink (ok or failed)
};

}  // namespace

RunSummary Engine::run(const std::vector<std::filesystem::path>& inputs, DocumentSink& sink,
                       const std::atomic<bool>* stop_requested) {
  const auto& options = impl_->options;
  const auto stopping = [&] { return stop_requested != nullptr && stop_requested->load(); };
  ScopedTimer wall(nullptr);
  RunSummary summary;
  RunProgress progress;
  progress.n_documents_total = static_cast<int>(inputs.size());

  std::vector<DocumentState> docs(inputs.size());
  const auto finish = [&](std::size_t index) {
    auto& doc = docs[index];
    doc.finished = true;
    ++progress.n_documents_done;
    if (doc.result.status == DocumentStatus::kOk) {
      ++summary.n_documents_ok;
    } else {
      ++summary.n_documents_failed;
      doc.result.pages.clear();
      logger()->debug("{}", doc.result.error);
    }
    sink.on_document(index, std::move(doc.result));
    doc.result = DocumentResult{};
  };
  const auto fail = [&](std::size_t index, std::string message) {
    if (docs[index].finished) return;
    docs[index].result.status = DocumentStatus::kFailed;
    docs[index].result.error = std::move(message);
    finish(index);
  };

  // Open each document once up front to count its pages: the totals drive the
  // batch log and progress, and unreadable inputs fail before any OCR starts.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    docs[i].result.path = inputs[i].string();
    try {
      const auto source = open_source(inputs[i], options);
      docs[i].page_numbers = selected_pages(inputs[i], options, source->n_pages());
      progress.n_pages_total += static_cast<int>(docs[i].page_numbers.size());
    } catch (const std::exception& e) {
      fail(i, failure_message(inputs[i], e));
    }
  }
  const int n_slots = std::clamp(progress.n_pages_total, 1, options.batch_size);
  logger()->info("Processing {} pages in batches of {}", progress.n_pages_total, options.batch_size);

  // Render order: input order, or the longest documents first, which packs
  // mixed workloads into full batches better (outputs then finish out of order).
  std::vector<std::size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), 0);
  if (options.order == "largest-first") {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return docs[a].page_numbers.size() > docs[b].page_numbers.size();
    });
  }

  // The render thread reads only this snapshot: DocumentState belongs to this thread.
  std::vector<char> failed_to_open(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) failed_to_open[i] = docs[i].finished ? 1 : 0;

  BoundedQueue<QueueItem> queue(static_cast<std::size_t>(impl_->queue_pages));
  std::thread renderer([&] {
    for (std::size_t i : order) {
      if (stopping()) break;
      if (failed_to_open[i]) continue;
      try {
        const auto source = open_source(inputs[i], options);
        for (std::size_t k = 0; k < docs[i].page_numbers.size() && !stopping(); ++k) {
          RenderedPage page{i, k, docs[i].page_numbers[k], {}, 0};
          ScopedTimer timer(&page.t_render_ms);
          page.image = source->render(page.page_number);
          timer.stop();
          if (!queue.push(std::move(page))) return;
        }
      } catch (const std::exception& e) {
        if (!queue.push(RenderFailure{i, failure_message(inputs[i], e)})) return;
      }
    }
    queue.close();
  });

  try {
    std::vector<RenderedPage> batch;
    bool drained = false;
    while (!drained && !stopping()) {
      batch.clear();
      ScopedTimer batch_wall(nullptr);
      while (static_cast<int>(batch.size()) < n_slots) {
        auto item = queue.pop();
        if (!item) {
          drained = true;
          break;
        }
        if (auto* failure = std::get_if<RenderFailure>(&*item)) {
          fail(failure->doc, std::move(failure->message));
          continue;
        }
        auto& page = std::get<RenderedPage>(*item);
        if (!docs[page.doc].finished) batch.push_back(std::move(page));
      }
      if (batch.empty()) continue;
      const int first = progress.n_pages_done + 1;
      const int last = progress.n_pages_done + static_cast<int>(batch.size());
      logger()->info("Processing batch: pages {}-{} of {}", first, last, progress.n_pages_total);
      std::vector<const Image*> images;
      for (const auto& page : batch) images.push_back(&page.image);
      StageTimes batch_times;
      std::vector<PageResult> results;
      try {
        results = impl_->run_pages(images, n_slots, batch_times);
      } catch (const OutOfMemoryError& e) {
        // Even one page does not fit: its document fails, named, the run goes on.
        for (const auto& page : batch) {
          fail(page.doc, fmt::format("{}: page {}: {}", inputs[page.doc].string(), page.page_number, e.what()));
        }
        progress.n_pages_done += static_cast<int>(batch.size());
        continue;
      }
      const double seconds = batch_wall.elapsed_ms() / 1000.0;
      logger()->info("Batch complete: {} pages in {:.2f}s ({:.2f}s per page)", batch.size(), seconds,
                     seconds / static_cast<double>(batch.size()));
      ++summary.n_batches;

      // Stage times of a batch are shared equally by its pages.
      const double share = 1.0 / static_cast<double>(batch.size());
      StageTimes per_page;
      per_page.t_preprocess_ms = batch_times.t_preprocess_ms * share;
      per_page.t_detect_ms = batch_times.t_detect_ms * share;
      per_page.t_classify_ms = batch_times.t_classify_ms * share;
      per_page.t_recognize_ms = batch_times.t_recognize_ms * share;
      per_page.t_postprocess_ms = batch_times.t_postprocess_ms * share;
      for (std::size_t k = 0; k < batch.size(); ++k) {
        auto& doc = docs[batch[k].doc];
        ++progress.n_pages_done;
        ++summary.n_pages;
        summary.times += per_page;
        summary.times.t_render_ms += batch[k].t_render_ms;
        if (doc.finished) continue;
        doc.result.times += per_page;
        doc.result.times.t_render_ms += batch[k].t_render_ms;
        if (doc.result.pages.empty()) doc.result.pages.resize(doc.page_numbers.size());
        results[k].page_number = batch[k].page_number;
        doc.result.pages[batch[k].position] = std::move(results[k]);
        if (++doc.n_pages_done == doc.page_numbers.size()) finish(batch[k].doc);
      }
      progress.t_elapsed_ms = wall.elapsed_ms();
      sink.on_progress(progress);
    }
  } catch (...) {
    queue.close();  // unblocks the renderer so it can be joined
    renderer.join();
    throw;
  }
  queue.close();
  renderer.join();

  // Documents with zero selected pages are complete without any batch.
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!docs[i].finished && docs[i].page_numbers.empty() && !stopping()) finish(i);
  }
  for (const auto& doc : docs) {
    if (!doc.finished) ++summary.n_documents_abandoned;
  }
  summary.stopped = stopping();
  summary.t_wall_ms = wall.elapsed_ms();
  return summary;
}

DocumentResult Engine::process_document(const std::filesystem::path& path) {
  struct Capture : DocumentSink {
    std::optional<DocumentResult> result;
    void on_document(std::size_t, DocumentResult document) override { result = std::move(document); }
  } capture;
  run({path}, capture);
  return std::move(*capture.result);
}

std::vector<PageResult> Engine::recognize_pages(const std::vector<Image>& pages, StageTimes* times) {
  StageTimes local;
  std::vector<const Image*> all;
  for (const auto& page : pages) all.push_back(&page);
  const int n_slots = std::clamp(static_cast<int>(pages.size()), 1, impl_->options.batch_size);
  std::vector<PageResult> results;
  for (std::size_t start = 0; start < all.size(); start += n_slots) {
    const std::vector<const Image*> batch(all.begin() + static_cast<std::ptrdiff_t>(start),
                                          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), start + n_slots)));
    for (auto& result : impl_->run_pages(batch, n_slots, local)) {
      result.page_number = static_cast<int>(results.size() + 1);
      results.push_back(std::move(result));
    }
  }
  if (times != nullptr) *times += local;
  return results;
}

}  // namespace deepcompress
