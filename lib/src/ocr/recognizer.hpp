#pragma once
// The line recognizer stage: crops -> text (CTC), in batches of crops of one
// width bucket. Owns its batch buffers: one per worker.
#include <memory>
#include <string>
#include <vector>

#include "deepcompress/types.hpp"
#include "model/ocr_models.hpp"
#include "ocr/ctc.hpp"
#include "ocr/line_job.hpp"

namespace deepcompress {

// What a recognizer needs besides its model: shared, read-only.
struct RecognizerParams {
  int batch_lines = 8;       // crops per model call (--rec-batch-size)
  bool fixed_batch = false;  // pad each call to batch_lines (CUDA)
  std::shared_ptr<const std::vector<std::string>> dictionary;  // class id -> text, blank 0 first
  std::shared_ptr<const AccentTable> accents;                  // of dictionary
};

class Recognizer {
 public:
  explicit Recognizer(RecognizerParams params) : params_(std::move(params)) {}

  // Sets result on every job. A crop's reading does not depend on the other
  // crops of its call. Throws Error(kModel) when the model's classes do not
  // match the dictionary, OutOfMemoryError from the model.
  void read(OcrModels& models, std::vector<LineJob>& jobs, StageTimes& times);

  // Reads each flip candidate again, rotated by 180 degrees, and keeps the
  // more confident reading (rotated_180 set when the turned one wins).
  void reread_turned(OcrModels& models, std::vector<LineJob>& jobs, StageTimes& times);

 private:
  RecognizerParams params_;
  TensorF in_, out_;
};

}  // namespace deepcompress
