#!/usr/bin/env bash
# Debian packages used only by the benchmarks (the corpus of benign wallpapers); filled in with the bench.
set -euo pipefail
