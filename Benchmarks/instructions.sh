#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind) of a JWT verification, a proxied request through the gateway and a one-page
# PDF, beside the figures committed in Benchmarks/instructions.txt: counts do not move with the machine's load, so a
# change that makes a hot path cost more shows as a number in review (not as a timing assertion in a test).
# Each figure is (count at size b − count at size a) / (b − a): the process's start-up and warm-up cancel out.
# The proxied request is the gateway process's own instructions, all threads (event loops, concurrency, the curl driver),
# for GET /api/users/me with a bearer token over one keep-alive connection; the user role runs outside valgrind.
# Usage: Benchmarks/instructions.sh [--update]   (--update writes the new figures to Benchmarks/instructions.txt)
# Needs valgrind ≥ 3.24: Debian 12's 3.19 cannot read the DWARF 5 debug information Swift 6.3 writes ("possibly corrupted
# debuginfo file"), so unless VALGRIND names one, the script unpacks Debian 13's valgrind (the .deb from deb.debian.org,
# checked against its SHA-256) under .build/valgrind — its tools are static executables and run on Debian 12.
set -euo pipefail
cd "$(dirname "$0")"
valgrind_sha256=0359e30820ccee7ee5c8d4c951ca276e3978b18f157d71bd77981de05b344907
export PATH="/opt/swift/usr/bin:$PATH"
if [ -n "${VALGRIND:-}" ]; then
  valgrind=$VALGRIND
else
  if [ ! -x .build/valgrind/usr/bin/valgrind.bin ]; then
    mkdir -p .build/valgrind
    curl -fsS -o .build/valgrind.deb http://deb.debian.org/debian/pool/main/v/valgrind/valgrind_3.24.0-3_amd64.deb
    echo "$valgrind_sha256  .build/valgrind.deb" | sha256sum -c --quiet
    dpkg-deb -x .build/valgrind.deb .build/valgrind
  fi
  export VALGRIND_LIB="$PWD/.build/valgrind/usr/libexec/valgrind"
  valgrind="$PWD/.build/valgrind/usr/bin/valgrind.bin"
fi
swift build -c release --product instruction-counts >/dev/null 2>&1 || swift build -c release --product instruction-counts
(cd .. && swift build -c release --product voice-invoice >/dev/null 2>&1)
harness=.build/release/instruction-counts
product=../.build/release/voice-invoice
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Swift's hash seeds are random per process; fixed here, so dictionaries and sets do the same work in every run.
export SWIFT_DETERMINISTIC_HASHING=1
refs() { # out-file: the total instruction count callgrind wrote
  awk '/^summary:/ {print $2}' "$1"
}
counted() { # name args...: runs the harness under callgrind, prints the count
  local out="$work/$1.out"; shift
  "$valgrind" --tool=callgrind --callgrind-out-file="$out" "$harness" "$@" >/dev/null 2>"$work/valgrind.log" || { cat "$work/valgrind.log" >&2; exit 1; }
  refs "$out"
}
per() { python3 -c "import sys; a, b, n = map(int, sys.argv[1:]); print(round((b - a) / n))" "$@"; }

jwt=$(per "$(counted jwt-a jwt 100)" "$(counted jwt-b jwt 1100)" 1000)
pdf=$(per "$(counted pdf-a pdf 2)" "$(counted pdf-b pdf 8)" 6)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export JWT_SECRET=instruction-count-secret-0123456789abcdef0123 AUTH_SERVICE_KEY=instruction-count-service-key-0123456789abcdef LOG_LEVEL=warning
user_port=$(free_port)
PORT=$user_port DATA_DIR="$work/data" "$product" serve user > "$work/user.log" 2>&1 &
token=$("$product" token sign --claims '{"sub":"0123456789abcdef0123456789abcdef"}')
proxied() { # requests: the gateway's count for that many requests (after 20 warm-up requests in both runs)
  local port; port=$(free_port)
  mkfifo "$work/stdin-$1"
  PORT=$port AUTH_SERVICE_URL=127.0.0.1:1 INVOICE_SERVICE_URL=127.0.0.1:1 USER_SERVICE_URL=127.0.0.1:$user_port RATE_LIMIT_ADDRESS=100000000/1 \
    RATE_LIMIT_USER=100000000/1 "$valgrind" --tool=callgrind --callgrind-out-file="$work/proxy-$1.out" "$harness" gateway \
    < "$work/stdin-$1" > "$work/gateway-$1.log" 2>&1 &
  local gateway=$!
  exec 9> "$work/stdin-$1"
  python3 - "$port" "$1" "$token" <<'PY'
import http.client, sys, time
port, count, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
deadline = time.time() + 120
while True:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/healthz"); connection.getresponse().read(); break
    except OSError:
        if time.time() > deadline: sys.exit("the gateway did not come up under valgrind")
        time.sleep(0.2)
for n in range(20 + count):
    connection.request("GET", "/api/users/me", headers={"Authorization": "Bearer " + token})
    response = connection.getresponse(); response.read()
    if response.status != 200: sys.exit(f"request {n}: {response.status}")
PY
  exec 9>&-
  wait "$gateway"
  refs "$work/proxy-$1.out"
}
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$user_port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
proxy=$(per "$(proxied 100)" "$(proxied 600)" 500)

python3 - "$jwt" "$proxy" "$pdf" "${1:-}" <<'PY'
import sys, os, datetime
current = {"jwt-verify-hs256": int(sys.argv[1]), "proxied-get": int(sys.argv[2]), "pdf-one-page": int(sys.argv[3])}
labels = {"jwt-verify-hs256": "JWT verification (HS256, full)", "proxied-get": "proxied GET /api/users/me (gateway)", "pdf-one-page": "one-page invoice PDF"}
previous = {}
if os.path.exists("instructions.txt"):
    for line in open("instructions.txt"):
        if line.strip() and not line.startswith("#"):
            name, value = line.split()[:2]
            previous[name] = int(value)
print(f"{'instructions per operation':40} {'now':>14} {'committed':>14} {'ratio':>7}")
for name, value in current.items():
    before = previous.get(name)
    ratio = f"×{value / before:.3f}" if before else "—"
    committed = f"{before:,}" if before else "—"
    print(f"{labels[name]:40} {value:>14,} {committed:>14} {ratio:>7}")
print("(the JWT and proxy figures repeat within 0.5 % run to run; the PDF's within about 5 %: pango's and fontconfig's caches)")
if sys.argv[4] == "--update":
    with open("instructions.txt", "w") as f:
        f.write("# Written by Benchmarks/instructions.sh --update (callgrind instructions per operation; see that script).\n")
        f.write(f"# {datetime.date.today()}\n")
        for name, value in current.items(): f.write(f"{name} {value}\n")
    print("wrote Benchmarks/instructions.txt")
PY
