#!/usr/bin/env bash
# Token sign / full-verify throughput, ours vs PyJWT vs `openssl speed` (the raw primitive), in one run, one thread each.
# Usage: Benchmarks/jwt.sh [seconds-per-measurement]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-2}"
export PATH="/opt/swift/usr/bin:$PATH"
[ -x ../.venv-peers/bin/python ] || { echo "run ./scripts/test.sh once first (it creates .venv-peers with PyJWT)" >&2; exit 1; }
swift build -c release --product jwt-bench >/dev/null
ours=$(.build/release/jwt-bench "$seconds")
theirs=$(../.venv-peers/bin/python pyjwt_bench.py "$seconds")
# The raw primitives: HMAC-SHA256 over a token-sized input (the signing input of our HS256 token is ~300 bytes),
# RSA-2048 and ECDSA P-256 verify.
hmac=$(openssl speed -mr -seconds "$seconds" -bytes 300 -hmac sha256 2>/dev/null | awk -F: '/^\+F:/ {print $4 / 300}')
rsa=$(openssl speed -mr -seconds "$seconds" rsa2048 2>/dev/null | awk -F: '/^\+F2:/ {print $4 " " $5}')
ecdsa=$(openssl speed -mr -seconds "$seconds" ecdsap256 2>/dev/null | awk -F: '/^\+F4:/ {print $4 " " $5}')
python3 - "$ours" "$theirs" "$hmac" "$rsa" "$ecdsa" <<'PY'
import json, sys
ours = {r["alg"]: r for r in json.loads(sys.argv[1])}
theirs = {r["alg"]: r for r in json.loads(sys.argv[2])}
hmac = float(sys.argv[3])
rsa_sign, rsa_verify = map(float, sys.argv[4].split())
ec_sign, ec_verify = map(float, sys.argv[5].split())
raw = {"HS256": (hmac, hmac), "RS256": (rsa_sign, rsa_verify), "ES256": (ec_sign, ec_verify)}
print(f"{'alg':6} {'op':7} {'ours/s':>11} {'PyJWT/s':>11} {'openssl/s':>11} {'ours/PyJWT':>11} {'ours/openssl':>13}")
for alg in ["HS256", "RS256", "ES256"]:
    for op, key, index in [("sign", "signPerSecond", 0), ("verify", "verifyPerSecond", 1)]:
        o, t, r = ours[alg][key], theirs[alg][key], raw[alg][index]
        print(f"{alg:6} {op:7} {o:11.0f} {t:11.0f} {r:11.0f} {o / t:10.1f}x {100 * o / r:12.1f}%")
print("goals: HS256 verify >= 10x PyJWT and >= 15% of raw HMAC; RS256 verify >= 80% of openssl rsa2048 verify")
PY
