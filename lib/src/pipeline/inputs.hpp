#pragma once
// Input expansion is public API: see deepcompress/inputs.hpp.
#include "deepcompress/inputs.hpp"
