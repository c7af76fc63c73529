#!/usr/bin/env bash
# The voice endpoint's own overhead per request, with a zero-latency OpenAI-compatible peer (Swift, in voice-bench):
# the release binary runs all four roles (`serve all`, embedded store), and voice-bench measures latencies and
# throughput through the gateway, beside a baseline (GET /api/users/me) and the offline transcript path.
# Rate limits are off for the run (they would refuse a benchmark long before it measured anything).
# Usage: Benchmarks/voice.sh [requests-per-endpoint]
set -euo pipefail
cd "$(dirname "$0")"
count="${1:-1000}"
export PATH="/opt/swift/usr/bin:$PATH"
(cd .. && swift build -c release --product voice-invoice >/dev/null 2>&1)
swift build -c release --product voice-bench >/dev/null 2>&1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
.build/release/voice-bench peer > "$work/peer.txt" &
for _ in $(seq 100); do grep -q PORT "$work/peer.txt" 2>/dev/null && break; sleep 0.05; done
peer=$(awk '/PORT/ {print $2}' "$work/peer.txt")
port=$((20000 + RANDOM % 20000))
PORT=$port DATA_DIR="$work/data" RATE_LIMIT_ADDRESS=0 RATE_LIMIT_USER=0 RATE_LIMIT_SIGN_IN=0 JWT_SECRET="bench-secret-0123456789abcdef0123456789abcdef" LOG_LEVEL=warning \
  OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$peer/v1" ../.build/release/voice-invoice serve all > "$work/server.log" 2>&1 &
for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.05; done
echo "$(nproc) cores; $count sequential requests per endpoint, then 8 concurrent clients"
.build/release/voice-bench load "http://127.0.0.1:$port" "$count"
echo "voice overhead = voice p50 - baseline p50; both include the gateway hop and loopback HTTP"
