#!/usr/bin/env bash
# The GPU kit's cheap part, so it cannot rot between lent GPUs (docs/gpu.md):
# pack deps.tar.xz from the binary's closure, then configure and build the
# modules without LibTorch from it alone, the system's -dev headers and CMake
# and pkg-config files hidden. Exit 77 (skipped) where unshare -m is refused.
#   tests/gpu_kit.sh DEEPCOMPRESS_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
bin=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$src/scripts/gpu_kit" --deps-only --fast --bin "$bin" --out "$work/kit"
grep -q "^  libpoppler-cpp.so.0$" "$work/kit/KIT.txt"
! grep -qE "^  lib(gdal|gdcm|OpenEXR|opencv_imgcodecs)" "$work/kit/KIT.txt"
OUT=$work/out GPU_CHECK_WORK=$work/unpacked GPU_CHECK_BUILD=$work/build \
  "$src/scripts/gpu_check" --rehearse --quick --kit "$work/kit"
