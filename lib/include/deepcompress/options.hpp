#pragma once
// Every run option with its one and only default. --help, --print-config and
// configs/default.toml are all generated from this struct via option_table().
#include <string>

namespace deepcompress {

struct Options {
  // [engine]
  int batch_size = 8;           // pages per batch (padded to that shape on CUDA only), 1..64; 0 = auto
  int rec_batch_size = 8;       // text-line crops per recognizer batch, 1..256
  std::string device = "auto";  // auto | cpu | cuda | cuda:N | cuda:0,cuda:1 (one worker per device)
  std::string mode = "base";    // detector canvas: small=960, base=1280, large=1600 px
  int threads = 0;              // intra-op CPU threads; 0 = number of cores
  std::string precision = "auto";  // auto | fp32 | fp16 | bf16 (auto: bf16 on CPUs with native bf16, else fp32)
  std::string charset = "latin";   // recognizer output: latin (Latin/Greek letters, digits, punctuation) | all (+ Chinese)
  bool angle_classifier = true; // detect and fix upside-down (180 deg) text lines
  std::string max_memory;       // memory cap such as "2G", "512M"; empty = no cap
  int workers = 1;              // inference workers, 1..16
  std::string order = "input";  // document order: input | largest-first
  double gpu_memory_fraction = 0.9;  // share of GPU memory the engine may use, (0,1]: caps LibTorch's caching allocator
  bool tf32 = false;            // CUDA fp32: convolutions and matrix products may run in TF32 (faster, less exact)
  // [input]
  int dpi = 200;                // PDF rasterization resolution, 50..600
  std::string pages;            // page selection such as "1-3,7"; empty = all pages
  std::string password_file;    // file whose first line is the PDF password
  std::string ocr = "auto";     // text source per page: auto (PDF text layer where usable) | always | never
  int max_pages = 10000;        // most selected pages per document; more fails the document; 0 = no limit
  std::string max_input_size = "2G";  // largest input file accepted, such as "500M"; empty = no limit
  int timeout_per_page_s = 120; // seconds a page may take to render or read; 0 = no limit
  // [output]
  std::string output_dir;       // empty: single input -> stdout
  std::string format = "txt";   // comma list of txt | md | json | dtoon | jsonl, e.g. "txt,json"
  int chunk_tokens = 512;       // jsonl: most tokens per retrieval chunk, 16..65536
  std::string tokenizer = "o200k_base";  // token counts: o200k_base | cl100k_base
  int level = 1;                // compaction of dtoon/jsonl: 0 faithful, 1 structural, 2 aggressive
  std::string redact;           // comma list of PII types (email,phone,card,iban,ssn,ipv4,dob) or "all"; empty = none
  std::string redact_report;    // JSON-lines file of redaction positions (never values); empty = none
  // [cost]
  std::string prices;           // TOML price table for the cost estimate (configs/prices.toml); empty = none
  // [cache]
  std::string cache_dir;        // empty: $XDG_CACHE_HOME/deepcompress/cache (resolved by the app)
  bool cache_enabled = true;    // reuse and store outputs by content hash
  // [run]
  bool force = false;           // recompute cached documents and overwrite their cache entries
  std::string manifest;         // JSON-lines report file, one line per input; empty = none
  bool summary_json = false;    // print the run summary as one JSON object on stdout
  bool fail_fast = false;       // stop at the first failed document
  bool stats = false;           // print a per-document token table on stderr at the end
  std::string shard;            // "K/N": keep the K-th (0-based) of N shards; empty = all inputs
  std::string glob;             // file-name pattern for files found in directories; empty = all
  // [models]
  std::string model_dir;        // empty: ./models if present, else $XDG_CACHE_HOME/deepcompress/models
  // [detector]
  double det_threshold = 0.3;   // probability threshold of the DB binarization, (0,1)
  double box_threshold = 0.5;   // minimum mean probability inside a box, (0,1)
  double unclip_ratio = 1.5;    // DB box expansion ratio, 1..4
  // [log]
  std::string log_level = "info";  // trace | debug | info | warn | error | off
  std::string log_format = "text"; // text | json
  bool quiet = false;              // only warnings and errors

  // Not settable from TOML/flags/env tables: the app fills it from
  // password_file or DEEPCOMPRESS_PDF_PASSWORD. Never logged or printed.
  std::string password;
};

// Detector canvas side in pixels for a mode name; 0 if the name is unknown.
int canvas_side_px(const std::string& mode);

}  // namespace deepcompress
