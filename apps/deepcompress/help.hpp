#pragma once
// --help text and "did you mean" for unknown flags, from the CLI11 app whose
// options come from the option table (deepcompress::options_for_help()).
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace deepcompress::cli {

// The help text: intro, then every option by group (groups in the order
// their first option was added), then footer. Every line fits in 80 columns
// (intro and footer must already); option descriptions are wrapped.
std::string format_help(const CLI::App& app, std::string_view intro, std::string_view footer);

// "; did you mean --pages?" for an unknown "--pgaes" (or "--pgaes=1"): the
// app's nearest long flag within 2 edits; empty when none is close.
std::string did_you_mean(const CLI::App& app, std::string_view unknown);

}  // namespace deepcompress::cli
