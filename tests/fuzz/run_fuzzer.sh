#!/bin/sh
# Runs a libFuzzer target for a bounded time from a copy of its committed
# corpus (which libFuzzer would otherwise grow in place), for ctest.
#
#   run_fuzzer.sh FUZZER CORPUS_DIR ARTIFACT_DIR SECONDS [libFuzzer flags...]
#
# Crashes are kept in ARTIFACT_DIR; -print_final_stats=1 prints the
# coverage reached (the "cov:" and "ft:" of libFuzzer's lines).
set -eu
fuzzer=$1
corpus=$2
artifacts=$3
seconds=$4
shift 4
work=$(mktemp -d "${TMPDIR:-/tmp}/relog-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp -R "$corpus"/. "$work"/
mkdir -p "$artifacts"
echo "seed corpus: $(ls "$corpus" | wc -l) inputs from $corpus"
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
  -rss_limit_mb=2048 -timeout=20 -artifact_prefix="$artifacts/" "$@" "$work"
echo "corpus after the run: $(ls "$work" | wc -l) inputs"
