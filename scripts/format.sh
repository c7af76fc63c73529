#!/usr/bin/env bash
# The code follows .swift-format (swift-format, in the toolchain): `scripts/format.sh` rewrites, `--check` lints
# strictly (the test command runs it). Generated code (*/Generated/) is the generator's and is left as it writes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
mapfile -t files < <(find Sources Tests Benchmarks/Sources Package.swift -name '*.swift' -not -path '*/Generated/*' | sort)
if [ "${1:-}" = "--check" ]; then
  swift format lint --strict --parallel "${files[@]}"
  echo "format: the code follows .swift-format"
else
  swift format format -i --parallel "${files[@]}"
fi
