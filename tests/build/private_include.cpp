// Compiled as apps/ are (linked to deepcompress::lib only) by the test "build: apps see
// public headers only": the public header must be found, the private one must not.
#include "deepcompress/job.hpp"
#include "encode/writers.hpp"

int main() { return 0; }
