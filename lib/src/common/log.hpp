#pragma once
// The library's logger is public API (apps register its sinks): see deepcompress/log.hpp.
#include "deepcompress/log.hpp"
