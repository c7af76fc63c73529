#!/usr/bin/env bash
# Builds the libFuzzer targets (Sources/VoiceInvoiceFuzz) with libFuzzer and AddressSanitizer and runs each for a
# bounded time from its committed seed corpus (Fuzz/corpus/<target>). Fails on any crash, trap, timeout or leak of
# memory past the limit; the crashing input is saved under Fuzz/crashes/ and printed as base64.
# Usage: scripts/fuzz.sh [seconds per target] [target …]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(transcript numbers json headers multipart jwt bson); fi

start=$(date +%s)
# A scratch path of its own: every module is instrumented, so nothing is shared with the ordinary build.
swift build -c debug --scratch-path .build-fuzz --product voice-invoice-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING 2>&1 \
  | grep -E "error:|warning: unre|Build complete" || true
binary=.build-fuzz/debug/voice-invoice-fuzz
[ -x "$binary" ] || { echo "fuzz.sh: the fuzz build failed" >&2; exit 1; }
echo "fuzz.sh: build $(( $(date +%s) - start )) s"

mkdir -p Fuzz/crashes
# Swift's runtime keeps some allocations for the process's life; leaks are not what these targets look for.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1"
failed=0
summary=()
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  log=$(mktemp)
  set +e
  # New inputs go to the scratch corpus (first directory); the committed seeds are read only.
  FUZZ_TARGET="$target" "$binary" "$work" "Fuzz/corpus/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="Fuzz/crashes/$target-" >"$log" 2>&1
  status=$?
  set -e
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  rate=$(( runs / (seconds > 0 ? seconds : 1) ))
  if [ $status -ne 0 ]; then
    failed=1
    echo "fuzz.sh: $target FAILED (exit $status)" >&2
    grep -E "ERROR|Fatal error|SUMMARY|artifact|Test unit written" "$log" | head -20 >&2 || true
    for crash in Fuzz/crashes/"$target"-*; do
      [ -f "$crash" ] && { echo "fuzz.sh: input $crash (base64):" >&2; base64 -w0 "$crash" >&2; echo >&2; }
    done
    summary+=("$target: FAILED after $runs executions")
  else
    summary+=("$target: $runs executions in ${seconds} s (${rate}/s), no crash")
  fi
  rm -rf "$work" "$log"
done
printf 'fuzz.sh: %s\n' "${summary[@]}"
[ $failed -eq 0 ] || exit 1
echo "fuzz.sh: every target ran without a crash"
