#!/usr/bin/env bash
# The generated handlers against the hand-written ones they replaced, in one run: this checkout and a previous commit
# (default: the last main before the roles were generated) built side by side in release, each serving the user role
# and the gateway. wrk drives the same authenticated GET /api/users/me (1) straight to the user role and (2) through
# the gateway, alternating old and new three times; prints req/s, p99 and CPU µs per request (from /proc, the serving
# processes), then new/old ratios from the better of each pair.
# This checkout is built as the Dockerfile ships it, with cross-module optimisation (the generic runtime code specialised
# into the handlers); the previous commit as it shipped then, without.
# Usage: Benchmarks/generated-handlers.sh [seconds] [connections] [previous-ref]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-32}"
previous="${3:-8dc66e1}"
export PATH="/opt/swift/usr/bin:$PATH"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
# The previous commit's tree is kept between runs (its release build takes minutes): .build-bench-previous/<ref>.
tree=".build-bench-previous/$previous"
[ -d "$tree" ] || git worktree add --quiet --detach "$tree" "$previous"
echo "bench: building $previous and this checkout (release; the log is $work/build-*.log)" >&2
# A scratch path of its own for this checkout, so that a debug build meanwhile does not wait on the lock.
(cd "$tree" && swift build -c release --product voice-invoice > "$work/build-previous.log" 2>&1) || { tail -20 "$work/build-previous.log" >&2; exit 1; }
swift build -c release -Xswiftc -cross-module-optimization --scratch-path .build-bench --product voice-invoice > "$work/build-current.log" 2>&1 || { tail -20 "$work/build-current.log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 400); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return; sleep 0.05; done; echo "port $1 did not come up" >&2; tail -5 "$work"/*.log >&2; exit 1; }
cpu_ticks() { local total=0; for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo $total; }
ticks=$(getconf CLK_TCK)
export JWT_SECRET=generated-bench-secret-0123456789abcdef0123456789 AUTH_SERVICE_KEY=generated-bench-service-key-0123456789abcdef LOG_LEVEL=warning
user_id=0123456789abcdef0123456789abcdef

measure() { # label binary → lines "label path rps p99 cpu_us"
  local label=$1 binary=$2
  local data="$work/data-$label-$RANDOM"
  local user_port gateway_port; user_port=$(free_port); gateway_port=$(free_port)
  DATA_DIR="$data" PORT=$user_port "$binary" serve user > "$work/user-$label.log" 2>&1 &
  local user_pid=$!
  DATA_DIR="$data" PORT=$gateway_port AUTH_SERVICE_URL=127.0.0.1:1 INVOICE_SERVICE_URL=127.0.0.1:1 USER_SERVICE_URL=127.0.0.1:$user_port \
    RATE_LIMIT_ADDRESS=0 RATE_LIMIT_USER=0 "$binary" serve gateway > "$work/gateway-$label.log" 2>&1 &
  local gateway_pid=$!
  wait_up "$user_port"; wait_up "$gateway_port"
  local token; token=$(DATA_DIR="$data" "$binary" token sign --claims "{\"sub\":\"$user_id\"}")
  for route in direct gateway; do
    local url pids
    if [ $route = direct ]; then url="http://127.0.0.1:$user_port/api/users/me"; pids="$user_pid"; else url="http://127.0.0.1:$gateway_port/api/users/me"; pids="$gateway_pid $user_pid"; fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url")" = 200 ] || { echo "bench: $label $route is not 200" >&2; exit 1; }
    wrk -t2 -c"$connections" -d2s -H "Authorization: Bearer $token" "$url" >/dev/null 2>&1
    local before; before=$(cpu_ticks $pids)
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$url" > "$work/wrk"
    local after; after=$(cpu_ticks $pids)
    local requests; requests=$(awk '/requests in/ {print $1}' "$work/wrk")
    local rps; rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
    local p99; p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
    local cpu; cpu=$(python3 -c "print(round(($after - $before) / $ticks * 1e6 / max($requests, 1), 1))")
    echo "$label $route $rps $p99 $cpu"
  done
  kill $user_pid $gateway_pid; wait $user_pid $gateway_pid 2>/dev/null || true
}

results="$work/results"
: > "$results"
for round in 1 2 3; do
  measure previous "$tree/.build/release/voice-invoice" | tee -a "$results"
  measure current .build-bench/release/voice-invoice | tee -a "$results"
done
python3 - "$results" "$previous" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
best = {}
for label, route, rps, p99, cpu in rows:
    key = (label, route)
    rps, cpu = float(rps), float(cpu)
    if key not in best or rps > best[key][0]:
        best[key] = (rps, cpu, p99)
print(f"GET /api/users/me, generated handlers (this checkout) against {sys.argv[2]} (hand-written), best of three rounds:")
for route in ("direct", "gateway"):
    old, new = best[("previous", route)], best[("current", route)]
    print(f"  {route:8} previous {old[0]:>9.0f} req/s {old[1]:>6.1f} µs CPU/req p99 {old[2]:>8} | current {new[0]:>9.0f} req/s {new[1]:>6.1f} µs CPU/req p99 {new[2]:>8}"
          f" | req/s ×{new[0] / old[0]:.3f}, CPU/req ×{new[1] / old[1]:.3f}")
PY
