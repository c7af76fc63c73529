#!/usr/bin/env bash
# Store throughput per engine (insert, get by id, list a page of 50), in one run:
# SQLite with 10 000 and 100 000 invoices of one user, MongoDB (libmongoc against the wire-protocol test peer) with 10 000.
# The peer is single-threaded Python without indexes: its figures measure mostly the peer, not MongoDB.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/opt/swift/usr/bin:$PATH"
[ -x ../.venv-peers/bin/python ] || { echo "run ./scripts/test.sh once first (it creates .venv-peers)" >&2; exit 1; }
swift build -c release --product store-bench >/dev/null
exec 3< <(sleep 3600)
../.venv-peers/bin/python ../Tests/Peers/mongo_peer.py <&3 > /tmp/store-bench-peer.txt &
peer=$!
trap 'kill $peer 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q PORT /tmp/store-bench-peer.txt 2>/dev/null && break; sleep 0.1; done
port=$(awk '/PORT/ {print $2}' /tmp/store-bench-peer.txt)
{
  .build/release/store-bench sqlite 10000
  .build/release/store-bench sqlite 100000
  .build/release/store-bench mongodb "${MONGO_COUNT:-10000}" "mongodb://127.0.0.1:$port/bench?directConnection=true"
} | python3 store_table.py
