#!/bin/sh
# Prints one line per fuzzer of the last ctest run (its seed corpus, the
# coverage libFuzzer reached from it, the inputs it executed), so that CI's
# log shows the coverage of passing fuzzers too: ctest prints a test's
# output only when it fails.
#
#   coverage_summary.sh BUILD_DIR
log="$1/Testing/Temporary/LastTest.log"
[ -f "$log" ] || exit 0
awk '
  /^seed corpus: / { name = $NF; sub(/.*\//, "", name); seeds = $3; init = ""; done = "" }
  /INITED cov: / && name != "" && init == "" { for (i = 1; i <= NF; i++) if ($i == "cov:") init = $(i + 1) }
  /DONE +cov: / && name != "" { for (i = 1; i <= NF; i++) if ($i == "cov:") done = $(i + 1) }
  /^stat::number_of_executed_units: / && name != "" {
    printf "fuzz %s: %s seed inputs, coverage %s -> %s, %s inputs executed\n", name, seeds, init, done, $2
    name = ""
  }
' "$log"
