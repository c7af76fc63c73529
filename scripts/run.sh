#!/usr/bin/env bash
# Runs the whole product locally: the four roles in one process, on the embedded SQLite store, offline extractor.
# Gateway on PORT (default 3000); auth, user and invoice on the next three ports. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
./scripts/bootstrap.sh
echo "run: building voice-invoice (the first build fetches and compiles dependencies: a few minutes)" >&2
swift build --product voice-invoice 2>&1 | grep -E "error|warning: unre|Compiling voice|Build complete" >&2 || true
binary="$(swift build --show-bin-path)/voice-invoice"
[ -x "$binary" ] || { echo "run: build failed; run 'swift build' to see why" >&2; exit 1; }
exec "$binary" serve all "$@"
