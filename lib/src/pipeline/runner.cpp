// The streaming run: a render supervisor with one reader thread per document
// (text layer or rendering, each page under --timeout-per-page) -> bounded
// page queue -> a batcher filling fixed-size batches across documents -> N
// inference workers -> per-document assembly (redaction) -> the caller's sink.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <variant>

#include "common/log.hpp"
#include "common/timer.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"
#include "encode/redact.hpp"
#include "image/image_source.hpp"
#include "layout/reading_order.hpp"
#include "pdf/pdf_source.hpp"
#include "pipeline/bounded_queue.hpp"
#include "pipeline/engine_impl.hpp"
#include "pipeline/memory_plan.hpp"

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

// The selected 1-based page numbers of a document; a selection past its last
// page is clamped with a warning, one that selects none of it is an error;
// both name the file.
std::vector<int> selected_pages(const std::filesystem::path& path, const Options& options, int n_pages) {
  PageSelection selection;
  try {
    selection = select_pages(options.pages, n_pages);
  } catch (const Error& e) {
    throw Error(ErrorKind::kInput, e.detail(), path.string());
  }
  if (!selection.clamped.empty()) logger()->warn("{}: {}", path.string(), selection.clamped);
  return std::move(selection.pages);
}

// Refuses a file larger than --max-input-size (max_bytes 0 = no limit).
void check_input_size(const std::filesystem::path& path, std::uint64_t max_bytes, const std::string& max_text) {
  if (max_bytes == 0) return;
  std::error_code ec;
  const auto n_bytes = std::filesystem::file_size(path, ec);
  if (!ec && n_bytes > max_bytes) {
    throw Error(ErrorKind::kInput,
                fmt::format("{:.1f} MiB, larger than --max-input-size {}", static_cast<double>(n_bytes) / (1 << 20),
                            max_text),
                path.string());
  }
}

// One-line message for a failure, always naming the file.
std::string failure_message(const std::filesystem::path& path, const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e); error != nullptr) {
    return error->file().empty() ? fmt::format("{}: {}", path.string(), error->what()) : error->what();
  }
  return fmt::format("{}: internal error: {}", path.string(), e.what());
}

// The same for whatever is being handled now (inside a catch (...) block).
std::string current_failure_message(const std::filesystem::path& path) {
  try {
    throw;
  } catch (const std::exception& e) {
    return failure_message(path, e);
  } catch (...) {
    return fmt::format("{}: internal error: unknown exception", path.string());
  }
}

struct RenderedPage {
  std::size_t doc = 0;
  std::size_t position = 0;  // index among the document's selected pages
  int page_number = 0;
  Image image;
  double t_render_ms = 0;
  std::string source_note;  // why the page is OCRed ("--ocr always", "no text layer", ...)
};
// A page whose text needs no OCR: read from the PDF's text layer (or left
// empty with --ocr never).
struct ReadyPage {
  std::size_t doc = 0;
  std::size_t position = 0;
  PageResult result;
  double t_render_ms = 0;
};
struct RenderFailure {
  std::size_t doc = 0;
  std::string message;
  bool timed_out = false;  // --timeout-per-page
};
using PageItem = std::variant<RenderedPage, ReadyPage, RenderFailure>;

// A model batch handed to a worker, and what comes back.
struct BatchJob {
  int first = 0;  // run-wide 1-based page counter of the first page, for the log
  std::vector<RenderedPage> pages;
};
struct BatchDone {
  std::vector<RenderedPage> pages;
  std::vector<PageResult> results;  // empty when oom_message is set
  StageTimes times;
  std::string oom_message;  // even one page did not fit
};
using ResultItem = std::variant<BatchDone, ReadyPage, RenderFailure>;

struct DocumentState {
  std::vector<int> page_numbers;  // selected pages, in order
  DocumentResult result;
  std::size_t n_pages_done = 0;
  bool finished = false;  // handed to the sink (ok or failed)
};

// Render threads abandoned to a stalled page, still running.
std::atomic<int> g_n_stalled_renders{0};

// Hands the pages of one document from its render thread to the supervisor,
// one at a time. Shared so that an abandoned render thread never touches the
// run's state after a timeout.
struct RenderHandoff {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<PageItem> item;  // a page waiting to be taken
  bool in_page = false;          // rendering a page now, since page_started
  std::chrono::steady_clock::time_point page_started;
  int page_number = 0;
  bool done = false;       // the render thread has nothing more to give
  bool abandoned = false;  // the supervisor wants no more pages
  bool detached = false;   // ... and no longer waits for the thread (counted in g_n_stalled_renders)
};

// Reads or renders one page: the text layer when --ocr allows and it is
// usable, else the rendered image for OCR.
PageItem produce_page(PageSource& source, const std::filesystem::path& path, const Options& options,
                      std::size_t doc, std::size_t position, int page_number) {
  double t_ms = 0;
  ScopedTimer timer(&t_ms);
  if (options.ocr != "always") {
    TextLayer layer = source.text_layer(page_number);
    if (layer.usable || options.ocr == "never") {
      ReadyPage ready{doc, position, {}, 0};
      if (layer.width_px == 0) {  // no text layer at all: the size still belongs in the result
        const PageSize size = source.page_size(page_number);
        layer.width_px = size.width_px;
        layer.height_px = size.height_px;
      }
      ready.result.width_px = layer.width_px;
      ready.result.height_px = layer.height_px;
      if (layer.usable) {
        ready.result.source = TextSource::kTextLayer;
        ready.result.lines = order_lines(std::move(layer.lines), layer.width_px, layer.height_px);
        ready.result.text = page_text(ready.result.lines);
      } else {
        ready.result.source = TextSource::kNone;
        logger()->warn("{}: page {}: {} and --ocr never: page left empty", path.string(), page_number, layer.note);
      }
      ready.result.source_note = std::move(layer.note);
      timer.stop();
      ready.t_render_ms = t_ms;
      return ready;
    }
    RenderedPage page{doc, position, page_number, source.render(page_number), 0, std::move(layer.note)};
    timer.stop();
    page.t_render_ms = t_ms;
    return page;
  }
  RenderedPage page{doc, position, page_number, source.render(page_number), 0, "--ocr always"};
  timer.stop();
  page.t_render_ms = t_ms;
  return page;
}

}  // namespace

int n_stalled_render_threads() { return g_n_stalled_renders.load(); }

RunSummary Engine::run(const std::vector<std::filesystem::path>& inputs, DocumentSink& sink,
                       const std::atomic<bool>* stop_requested) {
  const auto& options = impl_->options;
  std::atomic<bool> aborting{false};  // a worker failed: every stage winds down
  const auto stopping = [&] { return aborting.load() || (stop_requested != nullptr && stop_requested->load()); };
  ScopedTimer wall(nullptr);
  RunSummary summary;
  RunProgress progress;
  progress.n_documents_total = static_cast<int>(inputs.size());

  std::vector<DocumentState> docs(inputs.size());
  // Set by this thread when a document fails, read by the render and batch
  // threads so that they skip its remaining pages.
  std::vector<std::atomic<bool>> doc_failed(inputs.size());
  const PiiTypes redact_types = parse_redact_types(options.redact);
  const auto finish = [&](std::size_t index) {
    auto& doc = docs[index];
    doc.finished = true;
    // Pages arrive in any order (workers, text-layer pages): report redactions in page order.
    std::stable_sort(doc.result.redactions.begin(), doc.result.redactions.end(),
                     [](const Redaction& a, const Redaction& b) { return a.page_number < b.page_number; });
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
    doc_failed[index] = true;
    docs[index].result.status = DocumentStatus::kFailed;
    docs[index].result.error = std::move(message);
    finish(index);
  };

  // Open each document once up front to count its pages: the totals drive the
  // batch log and progress, and unreadable or oversized inputs fail before any
  // OCR starts.
  const std::uint64_t max_input_bytes = parse_size_bytes(options.max_input_size);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    docs[i].result.path = inputs[i].string();
    try {
      check_input_size(inputs[i], max_input_bytes, options.max_input_size);
      const auto source = open_source(inputs[i], options);
      docs[i].result.password_protected = source->password_protected();
      docs[i].page_numbers = selected_pages(inputs[i], options, source->n_pages());
      if (options.max_pages > 0 && docs[i].page_numbers.size() > static_cast<std::size_t>(options.max_pages)) {
        throw Error(ErrorKind::kInput,
                    fmt::format("{} pages selected, more than --max-pages {} (select fewer with --pages)",
                                docs[i].page_numbers.size(), options.max_pages),
                    inputs[i].string());
      }
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
  // The render thread reads only these snapshots: DocumentState belongs to this thread.
  std::vector<std::vector<int>> page_numbers(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!docs[i].finished) page_numbers[i] = docs[i].page_numbers;
  }

  BoundedQueue<PageItem> pages(static_cast<std::size_t>(impl_->queue_pages));
  BoundedQueue<BatchJob> batches(impl_->workers.size());
  BoundedQueue<ResultItem> results(impl_->workers.size() + static_cast<std::size_t>(impl_->queue_pages) + 1);
  // Every stage winds down: no new pages, queued pages and batches dropped.
  const auto wind_down = [&] {
    aborting = true;
    pages.close();
    batches.close();
    results.close();
  };
  // The first exception of a render, batch or worker thread: nothing escapes a
  // thread; run() rethrows it once every thread is joined.
  std::mutex thread_error_mutex;
  std::exception_ptr thread_error;
  const auto fail_run = [&](std::exception_ptr error) {
    {
      std::lock_guard lock(thread_error_mutex);
      if (!thread_error) thread_error = std::move(error);
    }
    wind_down();
  };
  // Pages in batches a worker has started; once a stop is seen (stop_seen, under
  // flight_mutex) no worker starts another batch.
  std::mutex flight_mutex;
  int n_pages_in_flight = 0;
  bool stop_seen = false;

  std::thread renderer, batcher;
  std::vector<std::thread> workers;
  std::exception_ptr run_error;  // thrown on this thread: by the sink, or starting a thread
  try {
    // Rendering: one thread per document does the reading and rendering, so
    // that a page stalled past --timeout-per-page can be abandoned (Poppler
    // cannot be interrupted); this supervisor forwards its pages.
    renderer = std::thread([&] {
      try {
        const auto timeout = std::chrono::seconds(options.timeout_per_page_s);
        for (std::size_t i : order) {
          if (stopping()) break;
          if (page_numbers[i].empty() || doc_failed[i]) continue;
          auto handoff = std::make_shared<RenderHandoff>();
          std::thread document_thread([handoff, path = inputs[i], options = options, doc = i,
                                       numbers = page_numbers[i], stall_page = impl_->stall_page_number,
                                       stall_ms = impl_->stall_ms] {
            std::unique_lock lock(handoff->mutex);
            try {
              lock.unlock();
              const auto source = open_source(path, options);
              for (std::size_t k = 0; k < numbers.size(); ++k) {
                lock.lock();
                handoff->changed.wait(lock, [&] { return !handoff->item || handoff->abandoned; });
                if (handoff->abandoned) break;
                handoff->in_page = true;
                handoff->page_started = std::chrono::steady_clock::now();
                handoff->page_number = numbers[k];
                lock.unlock();
                if (numbers[k] == stall_page)
                  std::this_thread::sleep_for(std::chrono::milliseconds(stall_ms));
                PageItem item = produce_page(*source, path, options, doc, k, numbers[k]);
                lock.lock();
                handoff->in_page = false;
                if (handoff->abandoned) break;
                handoff->item = std::move(item);
                handoff->changed.notify_all();
                lock.unlock();
              }
            } catch (...) {
              if (!lock.owns_lock()) lock.lock();
              handoff->in_page = false;
              if (!handoff->abandoned) handoff->item = RenderFailure{doc, current_failure_message(path)};
            }
            if (!lock.owns_lock()) lock.lock();
            handoff->done = true;
            handoff->changed.notify_all();
            if (handoff->detached) --g_n_stalled_renders;
          });

          bool abandoned = false;
          std::unique_lock lock(handoff->mutex);
          while (true) {
            const auto ready = [&] { return handoff->item.has_value() || handoff->done; };
            if (options.timeout_per_page_s > 0) {
              // Wake up at the page's deadline, or when something changes.
              while (!ready()) {
                if (handoff->in_page && std::chrono::steady_clock::now() - handoff->page_started > timeout)
                  break;
                handoff->changed.wait_for(lock, std::chrono::milliseconds(100));
              }
            } else {
              handoff->changed.wait(lock, ready);
            }
            if (!ready()) {  // the page timed out
              handoff->abandoned = true;
              handoff->detached = true;
              ++g_n_stalled_renders;
              const int page_number = handoff->page_number;
              handoff->changed.notify_all();
              lock.unlock();
              document_thread.detach();
              abandoned = true;
              pages.push(
                  RenderFailure{i,
                                fmt::format("{}: page {}: reading took longer than --timeout-per-page {} s",
                                            inputs[i].string(), page_number, options.timeout_per_page_s),
                                true});
              break;
            }
            if (!handoff->item) break;  // done
            PageItem item = std::move(*handoff->item);
            handoff->item.reset();
            handoff->changed.notify_all();
            const bool is_failure = std::holds_alternative<RenderFailure>(item);
            lock.unlock();
            const bool pushed = (stopping() || doc_failed[i]) ? false : pages.push(std::move(item));
            lock.lock();
            if (!pushed || is_failure) {
              if (!pushed) handoff->abandoned = true;  // stop rendering this document
              handoff->changed.notify_all();
              handoff->changed.wait(lock, [&] { return handoff->done || handoff->in_page; });
              if (!handoff->done) {
                // Let the current page finish in the background; nothing waits for it.
                handoff->detached = true;
                ++g_n_stalled_renders;
                lock.unlock();
                document_thread.detach();
                abandoned = true;
              }
              break;
            }
          }
          if (!abandoned) {
            if (lock.owns_lock()) lock.unlock();
            document_thread.join();
          }
        }
        pages.close();
      } catch (...) {
        fail_run(std::current_exception());
      }
    });

    // Batching: fixed-size batches fill from whatever pages are ready, across
    // documents; text-layer pages and failures skip the models.
    batcher = std::thread([&] {
      try {
        BatchJob batch;
        int n_dispatched = 0;
        const auto dispatch = [&] {
          if (batch.pages.empty()) return true;
          batch.first = n_dispatched + 1;
          n_dispatched += static_cast<int>(batch.pages.size());
          const bool ok = batches.push(std::move(batch));
          batch = BatchJob{};
          return ok;
        };
        while (!stopping()) {
          auto item = pages.pop();
          if (!item) break;
          if (auto* page = std::get_if<RenderedPage>(&*item)) {
            if (doc_failed[page->doc]) continue;
            batch.pages.push_back(std::move(*page));
            if (static_cast<int>(batch.pages.size()) == n_slots && !dispatch()) break;
          } else if (auto* ready = std::get_if<ReadyPage>(&*item)) {
            if (!results.push(std::move(*ready))) break;
          } else if (!results.push(std::move(std::get<RenderFailure>(*item)))) {
            break;
          }
        }
        if (!stopping()) dispatch();
        batches.close();
        pages.close();  // a stop or failure: unblocks the renderer
      } catch (...) {
        fail_run(std::current_exception());
      }
    });

    // Inference: each worker runs whole batches on its own model replica.
    std::atomic<int> n_workers_running{static_cast<int>(impl_->workers.size())};
    for (auto& worker_ptr : impl_->workers) {
      workers.emplace_back([&, &worker = *worker_ptr] {
        try {
          set_inference_threads(worker.n_threads);
          while (auto job = batches.pop()) {
            const int n_job_pages = static_cast<int>(job->pages.size());
            {
              std::lock_guard lock(flight_mutex);
              if (stop_seen || stopping()) continue;  // a stop drops the batches not yet started
              n_pages_in_flight += n_job_pages;
            }
            const int last = job->first + static_cast<int>(job->pages.size()) - 1;
            logger()->info("Processing batch: pages {}-{} of {}", job->first, last, progress.n_pages_total);
            ScopedTimer batch_wall(nullptr);
            BatchDone done;
            std::vector<const Image*> images;
            for (const auto& page : job->pages) images.push_back(&page.image);
            try {
              done.results = impl_->run_pages(worker, images, n_slots, done.times);
            } catch (const OutOfMemoryError& e) {
              done.oom_message = e.what();
            }
            const double seconds = batch_wall.elapsed_ms() / 1000.0;
            if (done.oom_message.empty()) {
              logger()->info("Batch complete: {} pages in {:.2f}s ({:.2f}s per page)", job->pages.size(),
                             seconds, seconds / static_cast<double>(job->pages.size()));
            }
            for (auto& page : job->pages) page.image = Image{};  // free the pixels before queueing
            done.pages = std::move(job->pages);
            const bool pushed = results.push(std::move(done));
            {
              std::lock_guard lock(flight_mutex);
              n_pages_in_flight -= n_job_pages;
            }
            if (!pushed) break;
          }
        } catch (...) {
          fail_run(std::current_exception());
        }
        if (--n_workers_running == 0) results.close();
      });
    }

    // Assembly, on the calling thread: documents go to the sink as they complete.
    const auto place = [&](std::size_t doc_index, std::size_t position, PageResult result,
                           const StageTimes& times, int page_number) {
      auto& doc = docs[doc_index];
      ++progress.n_pages_done;
      if (result.source == TextSource::kOcr) ++summary.n_pages;
      if (result.source == TextSource::kTextLayer) ++summary.n_pages_text_layer;
      summary.times += times;
      if (doc.finished) return;
      doc.result.times += times;
      if (doc.result.pages.empty()) doc.result.pages.resize(doc.page_numbers.size());
      result.page_number = page_number;
      if (!redact_types.empty()) {
        // Before anything is written or counted: every output derives from these lines.
        for (auto& redaction : redact_page(result, redact_types))
          doc.result.redactions.push_back(std::move(redaction));
        result.text = page_text(result.lines);
      }
      doc.result.pages[position] = std::move(result);
      if (++doc.n_pages_done == doc.page_numbers.size()) finish(doc_index);
    };
    // Polled, so that a stop is reported at once even while a batch runs.
    const auto poll = std::chrono::milliseconds(50);
    bool stop_reported = false;
    while (true) {
      bool timed_out = false;
      auto item = results.pop_for(poll, &timed_out);
      if (!stop_reported && stop_requested != nullptr && stop_requested->load()) {
        stop_reported = true;
        int n_unfinished = 0;
        {
          std::lock_guard lock(flight_mutex);
          stop_seen = true;
          n_unfinished = n_pages_in_flight;
        }
        pages.close();
        batches.close();
        sink.on_stop(n_unfinished);
      }
      if (!item) {
        if (timed_out) continue;
        break;
      }
      if (auto* failure = std::get_if<RenderFailure>(&*item)) {
        if (failure->timed_out) ++summary.n_pages_timed_out;
        fail(failure->doc, std::move(failure->message));
        continue;
      }
      if (auto* ready = std::get_if<ReadyPage>(&*item)) {
        StageTimes times;
        times.t_render_ms = ready->t_render_ms;
        const int page_number = docs[ready->doc].page_numbers.at(ready->position);
        place(ready->doc, ready->position, std::move(ready->result), times, page_number);
        progress.t_elapsed_ms = wall.elapsed_ms();
        sink.on_progress(progress);
        continue;
      }
      auto& done = std::get<BatchDone>(*item);
      if (!done.oom_message.empty()) {
        // Even one page does not fit: its document fails, named, the run goes on.
        for (const auto& page : done.pages) {
          fail(page.doc,
               fmt::format("{}: page {}: {}", inputs[page.doc].string(), page.page_number, done.oom_message));
          ++progress.n_pages_done;
        }
        continue;
      }
      ++summary.n_batches;
      // Stage times of a batch are shared equally by its pages.
      const double share = 1.0 / static_cast<double>(done.pages.size());
      for (std::size_t k = 0; k < done.pages.size(); ++k) {
        StageTimes per_page;
        per_page.t_preprocess_ms = done.times.t_preprocess_ms * share;
        per_page.t_detect_ms = done.times.t_detect_ms * share;
        per_page.t_classify_ms = done.times.t_classify_ms * share;
        per_page.t_recognize_ms = done.times.t_recognize_ms * share;
        per_page.t_postprocess_ms = done.times.t_postprocess_ms * share;
        per_page.t_render_ms = done.pages[k].t_render_ms;
        done.results[k].source_note = std::move(done.pages[k].source_note);
        place(done.pages[k].doc, done.pages[k].position, std::move(done.results[k]), per_page,
              done.pages[k].page_number);
      }
      progress.t_elapsed_ms = wall.elapsed_ms();
      sink.on_progress(progress);
    }
  } catch (...) {
    run_error = std::current_exception();
    wind_down();
  }
  pages.close();
  batches.close();
  if (renderer.joinable()) renderer.join();
  if (batcher.joinable()) batcher.join();
  for (auto& worker : workers) worker.join();
  if (thread_error) std::rethrow_exception(thread_error);
  if (run_error) std::rethrow_exception(run_error);

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
  if (!impl_->workers.front()->models) {
    throw Error(ErrorKind::kConfig, "recognize_pages needs the models, which --ocr never does not load");
  }
  StageTimes local;
  std::vector<const Image*> all;
  for (const auto& page : pages) all.push_back(&page);
  const int n_slots = std::clamp(static_cast<int>(pages.size()), 1, impl_->options.batch_size);
  std::vector<PageResult> results;
  for (std::size_t start = 0; start < all.size(); start += n_slots) {
    const std::vector<const Image*> batch(all.begin() + static_cast<std::ptrdiff_t>(start),
                                          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), start + n_slots)));
    for (auto& result : impl_->run_pages(*impl_->workers.front(), batch, n_slots, local)) {
      result.page_number = static_cast<int>(results.size() + 1);
      results.push_back(std::move(result));
    }
  }
  if (times != nullptr) *times += local;
  return results;
}

}  // namespace deepcompress
