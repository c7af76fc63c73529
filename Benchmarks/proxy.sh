#!/usr/bin/env bash
# The gateway as a reverse proxy, against nginx, in one run. wrk (64 connections) drives the same authenticated
# GET /api/users/me — the token verified at the gateway (for its per-user rate limit) and again at the user service —
# (1) through our gateway, (2) straight to the user service, (3) through nginx proxying the same service with
# keep-alive upstream connections. Reports req/s, p50/p99, CPU µs per request of the proxy process(es) (from /proc),
# and the proxy's RSS under load.
# Usage: Benchmarks/proxy.sh [seconds] [connections]   (BENCH_RATE_ADDRESS=0 BENCH_RATE_USER=0 measures without rate limits)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
export PATH="/opt/swift/usr/bin:$PATH"
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx: apt-get install wrk nginx-light" >&2; exit 1; }
swift build -c release --product voice-invoice >/dev/null 2>&1
binary=.build/release/voice-invoice
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 200); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return; sleep 0.05; done; echo "port $1 did not come up" >&2; exit 1; }
export JWT_SECRET=proxy-bench-secret-0123456789abcdef0123456789 LOG_LEVEL=warning DATA_DIR="$work/data"
user_port=$(free_port); gateway_port=$(free_port); nginx_port=$(free_port)
PORT=$user_port "$binary" serve user > "$work/user.log" 2>&1 &
PORT=$gateway_port AUTH_SERVICE_URL=127.0.0.1:1 INVOICE_SERVICE_URL=127.0.0.1:1 USER_SERVICE_URL=127.0.0.1:$user_port \
  RATE_LIMIT_ADDRESS="${BENCH_RATE_ADDRESS:-100000000/1}" RATE_LIMIT_USER="${BENCH_RATE_USER:-100000000/1}" "$binary" serve gateway > "$work/gateway.log" 2>&1 &
gateway_pid=$!
wait_up "$user_port"; wait_up "$gateway_port"
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
run() { # name url pids...
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$connections" -d2s -H "Authorization: Bearer $token" "$url" >/dev/null 2>&1   # warm-up
  local before; before=$(cpu_ticks "$@")
  (sleep "$((seconds / 2))"; rss_kb "$@" > "$work/rss-$name") &
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$url" > "$work/wrk-$name"
  local after; after=$(cpu_ticks "$@")
  wait
  python3 - "$name" "$work/wrk-$name" "$((after - before))" "$(cat "$work/rss-$name")" "$(getconf CLK_TCK)" <<'PY'
import re, sys
name, path, ticks, rss, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
text = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
def ms(label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
cpu = ticks / hz * 1e6 / total if total else 0
print(f"{name:10} {rps:10.0f} {ms('50'):9.2f} {ms('99'):9.2f} {cpu:12.1f} {rss / 1024:9.1f}" + (f"   ({non2xx.group(1)} non-2xx!)" if non2xx else ""))
PY
}
echo "$(nproc) cores, wrk -t2 -c$connections -d${seconds}s, GET /api/users/me with a bearer token"
printf "%-10s %10s %9s %9s %12s %9s\n" "path" "req/s" "p50 ms" "p99 ms" "proxy CPU µs" "proxy RSS"
run gateway "http://127.0.0.1:$gateway_port/api/users/me" "$gateway_pid" | tee "$work/r-gateway"
run direct "http://127.0.0.1:$user_port/api/users/me" "$gateway_pid" | sed 's/ *[0-9.]* *[0-9.]*$/            —         —/' | tee "$work/r-direct"
# shellcheck disable=SC2086
run nginx "http://127.0.0.1:$nginx_port/api/users/me" $nginx_workers | tee "$work/r-nginx"
python3 - "$work" <<'PY'
import sys
rows = {}
for name in ["gateway", "direct", "nginx"]:
    parts = open(f"{sys.argv[1]}/r-{name}").read().split()
    rows[name] = parts
g, d, n = rows["gateway"], rows["direct"], rows["nginx"]
print(f"gateway/nginx req/s {float(g[1]) / float(n[1]) * 100:.0f} % (goal ≥ 60 %); gateway CPU {float(g[4]):.1f} µs/request (goal ≤ 25);"
      f" added p99 {float(g[3]) - float(d[3]):.2f} ms over direct (goal ≤ 2 ms); nginx added p99 {float(n[3]) - float(d[3]):.2f} ms")
PY
