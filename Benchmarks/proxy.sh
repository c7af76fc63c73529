#!/usr/bin/env bash
# The gateway as a reverse proxy, against nginx, in one run. wrk (64 connections) drives the same authenticated
# GET /api/users/me — the token verified at the gateway (for its per-user rate limit) and again at the user service —
# (1) through our gateway, (2) straight to the user service, (3) through nginx proxying the same service with
# keep-alive upstream connections. Reports req/s, p50/p99, CPU µs per request of the proxy process(es) (from /proc),
# and the proxy's RSS under load.
# A row beside the gateway for a change's gain, from the same run: BENCH_BASELINE=<another voice-invoice binary> (e.g. the
# previous commit's release build).
# Usage: Benchmarks/proxy.sh [seconds] ["connection counts"]   (default: 10 "1 64 256"; the goals are for 64)
#        BENCH_RATE_ADDRESS=0 BENCH_RATE_USER=0 measures without rate limits
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connection_counts="${2:-1 64 256}"
export PATH="/opt/swift/usr/bin:$PATH"
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx: apt-get install wrk nginx-light" >&2; exit 1; }
swift build -c release --product voice-invoice >/dev/null 2>&1
binary=.build/release/voice-invoice
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 200); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return; sleep 0.05; done; echo "port $1 did not come up" >&2; exit 1; }
export JWT_SECRET=proxy-bench-secret-0123456789abcdef0123456789 AUTH_SERVICE_KEY=proxy-bench-service-key-0123456789abcdef012345 \
  LOG_LEVEL=warning DATA_DIR="$work/data"
user_port=$(free_port); gateway_port=$(free_port); nginx_port=$(free_port)
PORT=$user_port "$binary" serve user > "$work/user.log" 2>&1 &
gateway() { # binary port log [VAR=value...]
  local binary=$1 port=$2 log=$3; shift 3
  env "$@" PORT="$port" AUTH_SERVICE_URL=127.0.0.1:1 INVOICE_SERVICE_URL=127.0.0.1:1 USER_SERVICE_URL=127.0.0.1:$user_port \
    RATE_LIMIT_ADDRESS="${BENCH_RATE_ADDRESS:-100000000/1}" RATE_LIMIT_USER="${BENCH_RATE_USER:-100000000/1}" "$binary" serve gateway > "$log" 2>&1 &
}
gateway "$binary" "$gateway_port" "$work/gateway.log"; gateway_pid=$!
wait_up "$user_port"; wait_up "$gateway_port"
if [ -n "${BENCH_BASELINE:-}" ]; then
  baseline_port=$(free_port)
  gateway "$BENCH_BASELINE" "$baseline_port" "$work/gateway-baseline.log"; baseline_pid=$!
  wait_up "$baseline_port"
fi
user_id=0123456789abcdef0123456789abcdef
token=$("$binary" token sign --claims "{\"sub\":\"$user_id\"}")
cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream user { server 127.0.0.1:$user_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://user;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -e "$work/nginx-error.log"
for _ in $(seq 100); do [ -s "$work/nginx.pid" ] && break; sleep 0.05; done
nginx_workers=$(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')

cpu_ticks() { local total=0; for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo $total; }
rss_kb() { local total=0; for pid in "$@"; do total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status"))); done; echo $total; }
run() { # name connections url pids...   (no pids: the proxy columns are left empty)
  local name=$1 connections=$2 url=$3; shift 3
  local threads=$(( connections < 2 ? 1 : 2 ))
  wrk -t$threads -c"$connections" -d2s -H "Authorization: Bearer $token" "$url" >/dev/null 2>&1   # warm-up
  local before=0; [ $# -gt 0 ] && before=$(cpu_ticks "$@")
  local sampler=""
  if [ $# -gt 0 ]; then (sleep "$((seconds / 2))"; rss_kb "$@" > "$work/rss-$name-$connections") & sampler=$!; else echo 0 > "$work/rss-$name-$connections"; fi
  wrk -t$threads -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$url" > "$work/wrk-$name-$connections"
  local after=0; [ $# -gt 0 ] && after=$(cpu_ticks "$@")
  [ -z "$sampler" ] || wait "$sampler"
  python3 - "$name" "$connections" "$work/wrk-$name-$connections" "$((after - before))" "$(cat "$work/rss-$name-$connections")" "$(getconf CLK_TCK)" "$#" <<'PY' | tee -a "$work/rows"
import re, sys
name, connections, path, ticks, rss, hz, pids = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
text = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
def ms(label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
cpu = f"{ticks / hz * 1e6 / total:12.1f}" if pids and total else f"{'—':>12}"
memory = f"{rss / 1024:9.1f}" if pids else f"{'—':>9}"
print(f"{name:17} {connections:>5} {rps:10.0f} {ms('50'):9.2f} {ms('99'):9.2f} {cpu} {memory}" + (f"   ({non2xx.group(1)} non-2xx!)" if non2xx else ""))
PY
}
echo "$(nproc) cores, wrk ${seconds}s per row, GET /api/users/me with a bearer token (verified at the gateway and at the user role)"
printf "%-17s %5s %10s %9s %9s %12s %9s\n" "path" "conns" "req/s" "p50 ms" "p99 ms" "proxy CPU µs" "proxy MiB"
for connections in $connection_counts; do
  run gateway "$connections" "http://127.0.0.1:$gateway_port/api/users/me" "$gateway_pid"
  [ -n "${BENCH_BASELINE:-}" ] && run gateway-baseline "$connections" "http://127.0.0.1:$baseline_port/api/users/me" "$baseline_pid"
  run direct "$connections" "http://127.0.0.1:$user_port/api/users/me"
  # shellcheck disable=SC2086
  run nginx "$connections" "http://127.0.0.1:$nginx_port/api/users/me" $nginx_workers
done
python3 - "$work/rows" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    rows[(parts[0], parts[1])] = parts
for connections in sorted({c for _, c in rows}, key=int):
    g, d, n = rows[("gateway", connections)], rows[("direct", connections)], rows[("nginx", connections)]
    goal = "  (goals at 64: ≥ 75 %, ≤ 50 µs, ≤ 2 ms)" if connections == "64" else ""
    print(f"c={connections}: gateway/nginx req/s {float(g[2]) / float(n[2]) * 100:.0f} %; gateway CPU {float(g[5]):.1f} µs/request"
          f" (×{float(g[5]) / float(n[5]):.2f} nginx's); added p99 {float(g[4]) - float(d[4]):.2f} ms over direct"
          f" (nginx {float(n[4]) - float(d[4]):.2f} ms){goal}")
    for other in ["gateway-baseline"]:
        if (other, connections) in rows:
            o = rows[(other, connections)]
            print(f"      gateway vs {other[8:]}: req/s ×{float(g[2]) / float(o[2]):.2f}, CPU/request ×{float(g[5]) / float(o[5]):.2f}")
PY
