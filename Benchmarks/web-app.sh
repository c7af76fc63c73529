#!/usr/bin/env bash
# The web app in Chromium, in one run: a first load over loopback (requests, bytes on the wire against the same bodies
# decoded, time to interactive) and a reload, then the time from the end of speech (the Stop button) to the draft on
# screen through the OpenAI-compatible peer, beside a typed sentence to the draft (no upload, no transcription).
# Runs Tests/Browser/web_app_checks.py against `voice-invoice serve all` (release build), as the browser tests do.
# Usage: Benchmarks/web-app.sh   (needs ./scripts/bootstrap.sh and the peers' venv: ./scripts/test.sh makes both)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
python=.venv-peers/bin/python
[ -x "$python" ] || { echo "web-app: run ./scripts/test.sh once (it makes .venv-peers with Playwright)" >&2; exit 1; }
swift build -c release -Xswiftc -cross-module-optimization --product voice-invoice >/dev/null 2>&1
binary="$(swift build -c release -Xswiftc -cross-module-optimization --show-bin-path)/voice-invoice"
work=$(mktemp -d)
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
coproc PEER { exec "$python" Tests/Peers/openai_peer.py --api-key sk-bench; }
read -r _ peer_port <&"${PEER[0]}"
run() { # scenario, port, extra environment...
  local scenario=$1 port=$2; shift 2
  env DATA_DIR="$work/$scenario" PORT="$port" JWT_SECRET="$secret" ACCESS_TOKEN_TTL=60 "$@" "$binary" serve all >"$work/$scenario.log" 2>&1 &
  local server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  "$python" Tests/Browser/web_app_checks.py --base "http://127.0.0.1:$port" --scenario "$scenario" --peer "http://127.0.0.1:$peer_port" \
    --jwt-secret "$secret" --artifacts "$work/artifacts" | grep -E '^(FIGURE|FAIL|BROWSER)' || true
  kill "$server"; wait "$server" 2>/dev/null || true
}
{
  run voice 3960 OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$peer_port/v1"
  run typed 3970
} >"$work/figures"
python3 - "$work/figures" <<'PY'
import sys
figures = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if parts[0] == "FAIL":
        sys.exit("web-app: " + line)
    if parts[0] == "FIGURE":
        figures.setdefault(parts[1], int(parts[2]))
f = figures
print(f"first load:  {f['first-load-requests']} requests, {f['first-load-bytes'] / 1024:.1f} KiB on the wire "
      f"({f['first-load-decoded-bytes'] / 1024:.1f} KiB decoded: x{f['first-load-bytes'] / f['first-load-decoded-bytes']:.2f}), "
      f"interactive in {f['first-load-interactive-ms']} ms; reload {f['reload-interactive-ms']} ms "
      f"(x{f['reload-interactive-ms'] / f['first-load-interactive-ms']:.2f} of the first load)")
print(f"end of speech -> draft on screen: {f['speech-end-to-draft-ms']} ms   typed sentence -> draft: {f['typed-to-draft-ms']} ms   "
      f"(voice x{f['speech-end-to-draft-ms'] / f['typed-to-draft-ms']:.1f} of typed: upload + transcription + extraction)")
PY
kill "$PEER_PID" 2>/dev/null || true
rm -rf "$work"
