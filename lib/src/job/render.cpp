#include "job/render.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "deepcompress/error.hpp"
#include "encode/chunks.hpp"
#include "encode/dtoon.hpp"
#include "encode/writers.hpp"
#include "job/cache.hpp"

namespace deepcompress {

OutputOptions output_options(const Options& options) {
  return {.formats = split_formats(options.format),
          .tokenizer = options.tokenizer,
          .level = options.level,
          .chunk_tokens = options.chunk_tokens};
}

std::vector<std::string> split_formats(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

bool needs_tokenizer(const std::vector<std::string>& formats) {
  return std::any_of(formats.begin(), formats.end(),
                     [](const std::string& f) { return f == "json" || f == "dtoon" || f == "jsonl"; });
}

TokenFigures token_figures(const DocumentStats& stats) {
  return {.tokenizer = stats.tokenizer,
          .n_tokens_faithful = stats.n_tokens_faithful,
          .n_tokens_compact = stats.n_tokens_compact,
          .n_tokens_image = stats.n_tokens_image,
          .ratio = stats.ratio(),
          .word_recall = stats.words.recall()};
}

Rendered render_document(const DocumentResult& document, const RenderContext& context) {
  const OutputOptions& options = *context.options;
  const std::vector<std::string>& formats = options.formats;
  Rendered out;
  std::optional<DocumentStructure> structure;
  if (context.tokenizer ||
      std::any_of(formats.begin(), formats.end(), [](const std::string& f) { return f != "txt"; })) {
    structure = analyze_structure(document, {.level = options.level, .repeats = context.repeats});
  }
  if (context.tokenizer) {
    const DocumentStats& stats = out.stats.emplace(compute_stats(document, *structure, *context.tokenizer));
    logger()->info(
        "tokens ({}) {}: faithful {}, compact {} (ratio {:.3f}), page images {}, word recall "
        "{:.1f}% of {}",
        stats.tokenizer, structure->name, stats.n_tokens_faithful, stats.n_tokens_compact, stats.ratio(),
        stats.n_tokens_image, 100.0 * stats.words.recall(), stats.words.n_words);
  }
  const DocumentStats* stats_ptr = out.stats ? &*out.stats : nullptr;
  for (const std::string& format : formats) {
    if (format == "json") {
      if (context.anonymous_json) {
        DocumentResult anonymous = document;
        anonymous.path.clear();
        out.json_anonymous = to_json(anonymous, stats_ptr);
        out.contents.push_back(json_with_path(out.json_anonymous, document.path));
      } else {
        out.contents.push_back(to_json(document, stats_ptr));
      }
    } else if (format == "md") {
      out.contents.push_back(to_markdown(*structure));
    } else if (format == "dtoon") {
      out.contents.push_back(to_dtoon(*structure));
    } else if (format == "jsonl") {
      if (!context.tokenizer) throw Error(ErrorKind::kConfig, "the jsonl format needs a tokenizer");
      out.contents.push_back(to_jsonl(make_chunks(*structure, *context.tokenizer, options.chunk_tokens)));
    } else {
      out.contents.push_back(to_txt(document));
    }
  }
  return out;
}

struct OutputRenderer::Impl {
  OutputOptions options;
  std::optional<Tokenizer> tokenizer;
  RepeatFilter repeats;
};

OutputRenderer::OutputRenderer(OutputOptions options, const std::filesystem::path& tokenizer_dir)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (!tokenizer_dir.empty()) {
    impl_->tokenizer = Tokenizer::load(tokenizer_dir, impl_->options.tokenizer);
  } else if (needs_tokenizer(impl_->options.formats)) {
    throw Error(ErrorKind::kConfig, "the json, dtoon and jsonl formats need a tokenizer directory");
  }
}

OutputRenderer::~OutputRenderer() = default;
OutputRenderer::OutputRenderer(OutputRenderer&&) noexcept = default;
OutputRenderer& OutputRenderer::operator=(OutputRenderer&&) noexcept = default;

DocumentOutputs OutputRenderer::render(const DocumentResult& document) {
  if (document.status != DocumentStatus::kOk) {
    throw Error(ErrorKind::kInternal, "cannot render a failed document", document.path);
  }
  Rendered rendered = render_document(
      document, {.options = &impl_->options, .tokenizer = impl_->tokenizer ? &*impl_->tokenizer : nullptr,
                 .repeats = &impl_->repeats});
  DocumentOutputs out;
  out.contents = std::move(rendered.contents);
  if (rendered.stats) out.figures = token_figures(*rendered.stats);
  return out;
}

}  // namespace deepcompress
