#pragma once
// Which of the recognizer's classes may be output (--charset).
#include <string>
#include <vector>

namespace deepcompress {

// Class ids into `dictionary` (as returned by load_dictionary(): blank first,
// space last) for a charset name:
//   "all"   every class;
//   "latin" blank, Latin letters (U+0000-024F), Greek, general punctuation,
//           currency, letterlike, arrows and math symbols, and the space. This
//           drops the Chinese characters and the full-width look-alikes of
//           ASCII punctuation ('，' for ',') that a Chinese-trained recognizer
//           otherwise puts into Western text.
// Ids are ascending, so blank stays first and the space last. Throws
// Error(kConfig) for an unknown name.
std::vector<int> charset_classes(const std::vector<std::string>& dictionary, const std::string& charset);

// dictionary[ids[k]] for each k: the dictionary of a restricted recognizer.
std::vector<std::string> subset_dictionary(const std::vector<std::string>& dictionary, const std::vector<int>& ids);

}  // namespace deepcompress
