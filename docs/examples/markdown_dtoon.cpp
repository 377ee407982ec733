// The whole product from the library, without the CLI: a document to Markdown and dtoon
// with its token counts.
//
//   markdown_dtoon MODEL_DIR DOC.pdf OUT_BASE
//
// writes OUT_BASE.md and OUT_BASE.dtoon (the bytes `deepcompress DOC.pdf --format md,dtoon`
// writes) and prints one line of token figures:
//   tokens o200k_base: faithful 812, compact 655, page images 765, ratio 0.807, recall 100.0%
#include <deepcompress/engine.hpp>
#include <deepcompress/error.hpp>
#include <deepcompress/outputs.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: markdown_dtoon MODEL_DIR DOC.pdf OUT_BASE\n";
    return 2;
  }
  try {
    deepcompress::Options options;  // library defaults, as the CLI uses them
    options.model_dir = argv[1];
    auto engine = deepcompress::Engine::load(options);
    const auto document = engine->process_document(argv[2]);
    if (document.status != deepcompress::DocumentStatus::kOk) {
      std::cerr << document.error << "\n";
      return 4;
    }

    deepcompress::OutputOptions output = deepcompress::output_options(options);
    output.formats = {"md", "dtoon"};
    deepcompress::OutputRenderer renderer(output, std::filesystem::path(argv[1]) / "tokenizer");
    const deepcompress::DocumentOutputs outputs = renderer.render(document);
    for (std::size_t f = 0; f < output.formats.size(); ++f) {
      std::ofstream(std::string(argv[3]) + "." + output.formats[f], std::ios::binary) << outputs.contents[f];
    }
    const deepcompress::TokenFigures& t = *outputs.figures;
    std::printf("tokens %s: faithful %zu, compact %zu, page images %zu, ratio %.3f, recall %.1f%%\n",
                t.tokenizer.c_str(), t.n_tokens_faithful, t.n_tokens_compact, t.n_tokens_image, t.ratio,
                100.0 * t.word_recall);
  } catch (const deepcompress::Error& e) {
    std::cerr << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
