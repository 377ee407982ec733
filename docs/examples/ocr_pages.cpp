// Using the deepcompress library without the CLI.
//
//   ocr_pages MODEL_DIR DOC.pdf            whole document: the library renders it
//   ocr_pages MODEL_DIR PAGE.ppm...        pages you rendered yourself (binary PPM,
//                                          e.g. `pdftoppm -r 200 doc.pdf page`),
//                                          OCRed in batches you choose (here: 4)
#include <deepcompress/engine.hpp>
#include <deepcompress/error.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

// Reads a binary PPM (P6, maxval 255) into a BGR deepcompress::Image.
deepcompress::Image read_ppm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int width = 0, height = 0, maxval = 0;
  in >> magic >> width >> height >> maxval;
  in.get();  // the single whitespace after the header
  if (!in || magic != "P6" || maxval != 255) throw std::runtime_error(path + ": not a binary 8-bit PPM");
  deepcompress::Image image{width, height, 3, std::vector<std::uint8_t>(std::size_t(width) * height * 3)};
  in.read(reinterpret_cast<char*>(image.pixels.data()), std::streamsize(image.pixels.size()));
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) std::swap(image.pixels[i], image.pixels[i + 2]);  // RGB -> BGR
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: ocr_pages MODEL_DIR DOC.pdf | PAGE.ppm...\n";
    return 2;
  }
  try {
    deepcompress::Options options;  // library defaults, as the CLI uses them
    options.model_dir = argv[1];
    auto engine = deepcompress::Engine::load(options);

    const std::string first = argv[2];
    if (first.size() > 4 && first.substr(first.size() - 4) == ".pdf") {
      const auto document = engine->process_document(first);
      if (document.status != deepcompress::DocumentStatus::kOk) {
        std::cerr << document.error << "\n";
        return 4;
      }
      for (const auto& page : document.pages) std::cout << page.text << '\f';
      return 0;
    }
    // Caller-rendered pages, in batches of 4 pages of our choosing.
    std::vector<deepcompress::Image> batch;
    for (int i = 2; i < argc; ++i) {
      batch.push_back(read_ppm(argv[i]));
      if (batch.size() == 4 || i == argc - 1) {
        for (const auto& page : engine->recognize_pages(batch)) std::cout << page.text << '\f';
        batch.clear();
      }
    }
  } catch (const deepcompress::Error& e) {
    std::cerr << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
