"""Formats store-bench's JSON lines as one table (used by Benchmarks/store.sh)."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.strip().startswith("{")]
header = ("engine", "invoices", "insert/s", "get/s", "list/s", "list p50 ms", "list p99 ms")
print("%-8s %9s %10s %10s %9s %12s %12s" % header)
for r in rows:
    print("%-8s %9d %10.0f %10.0f %9.0f %12.2f %12.2f" % (r["engine"], r["invoices"], r["insertPerSecond"], r["getPerSecond"], r["listPerSecond"], r["listP50Ms"], r["listP99Ms"]))
print()
print("first page of 50 under each filter (p50 / p99 ms); SQLite's plan")
for r in rows:
    for f in r.get("filters", []):
        plan = f.get("plan", "")
        print("%-8s %9d  %-22s %8.2f %8.2f   %s" % (r["engine"], r["invoices"], f["filter"], f["p50Ms"], f["p99Ms"], plan))
print("SQLite goals: list p99 <= 10 ms at 100 000 invoices with every filter, create >= 1 000/s")
