#!/usr/bin/env bash
# Creates and exports through the gateway, in one run: the release binary runs all four roles (`serve all`, embedded
# SQLite store, offline extractor), one user, and wrk POSTs a spoken sentence to /api/invoices/transcript at 8
# connections (the anchor: GET /api/users/me through the same gateway, same connections). Then every invoice those
# creates made is exported as CSV and as JSON Lines through the gateway, while the server's resident memory is sampled:
# a streamed export's memory must not grow with its size.
# BENCH_BASELINE=<binary> adds the same creates row for another build (for a change's ratio in one run).
# Usage: Benchmarks/creates.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-8}"
export PATH="/opt/swift/usr/bin:$PATH"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
(cd .. && swift build -c release --product voice-invoice >/dev/null 2>&1)
binary="$(cd .. && pwd)/.build/release/voice-invoice"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"transcript":"Bill Acme for twelve hours of design at 85 dollars, due in two weeks"}'
LUA
export JWT_SECRET="bench-secret-0123456789abcdef0123456789abcdef"

# start NAME BINARY: a fresh data directory and one registered user; sets $port, $pid, $token.
start() {
  port=$((20000 + RANDOM % 20000))
  mkdir -p "$work/$1"
  PORT=$port DATA_DIR="$work/$1" RATE_LIMIT_ADDRESS=0 RATE_LIMIT_USER=0 RATE_LIMIT_SIGN_IN=0 LOG_LEVEL=warning "$2" serve all > "$work/$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
  curl -fs -X POST "http://127.0.0.1:$port/api/auth/register" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"correct horse battery staple","name":"Bench"}' > "$work/grant.json"
  token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accessToken"])' "$work/grant.json")
}
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
creates() {  # NAME BINARY → prints "me/s creates/s"
  start "$1" "$2"
  wrk -t2 -c8 -d2s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/users/me" >/dev/null 2>&1
  wrk -t2 -c8 -d"${seconds}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/users/me" > "$work/me-$1"
  wrk -t2 -c8 -d"${seconds}s" -s "$work/post.lua" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/invoices/transcript" > "$work/create-$1"
  echo "$(rate "$work/me-$1") $(rate "$work/create-$1")"
}

echo "$(nproc) cores, wrk ${seconds}s per row at 8 connections, serve all on SQLite, offline extractor"
printf '%-34s %12s %14s %10s\n' "" "req/s" "÷ GET /me" "goal"
if [ -n "${BENCH_BASELINE:-}" ]; then
  read -r me created < <(creates baseline "$BENCH_BASELINE")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '%-34s %12.0f %14.2f\n' "POST transcript (BENCH_BASELINE)" "$created" "$(echo "$created / $me" | bc -l)"
  baseline_created=$created
fi
read -r me created < <(creates current "$binary")
printf '%-34s %12.0f %14s\n' "GET /api/users/me (anchor)" "$me" "1.00"
printf '%-34s %12.0f %14.2f %10s\n' "POST /api/invoices/transcript" "$created" "$(echo "$created / $me" | bc -l)" ">= 1000/s"
[ -n "${baseline_created:-}" ] && printf '%-34s %12.2f\n' "this build ÷ BENCH_BASELINE" "$(echo "$created / $baseline_created" | bc -l)"

# Export everything the creates made, sampling the server's resident memory every 10 ms.
python3 - "$port" "$token" "$pid" <<'PY'
import http.client, sys, threading, time
port, token, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def rss():
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
def export(fmt):
    idle = rss()
    peak = [idle]
    done = threading.Event()
    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.01)
    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", f"/api/invoices/export?format={fmt}", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    first = None
    size = rows = 0
    while chunk := response.read(65536):
        first = first or time.perf_counter() - start
        size += len(chunk)
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if fmt == "csv":
        rows -= 1  # the header
    framing = response.getheader("Transfer-Encoding") or "length"
    return fmt, rows, size, elapsed, first, idle, peak[0], framing
print()
print(f"{'export through the gateway':34s} {'invoices':>9s} {'MB':>7s} {'s':>6s} {'invoices/s':>11s} {'first byte ms':>14s} {'RSS before MB':>14s} {'peak growth MB':>15s}")
for fmt in ("csv", "jsonl"):
    fmt, rows, size, elapsed, first, idle, peak, framing = export(fmt)
    print(f"{'GET /api/invoices/export?format=' + fmt:34s} {rows:9d} {size / 1e6:7.1f} {elapsed:6.2f} {rows / elapsed:11.0f} {first * 1000:14.1f} {idle:14.1f} {peak - idle:15.1f}   ({framing})")
print("peak growth: the highest resident memory while the export ran, less what the process held before it")
PY
