#!/usr/bin/env bash
# Invoice CPU work, one thread each, in one run: one-page PDFs/s beside ReportLab (PyPI) drawing the same invoice with
# the same embedded font, a 20-page invoice against a 1-page one, and offline extractions (rules + DraftBuilder)/s.
# Usage: Benchmarks/invoice.sh [seconds-per-measurement]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-3}"
export PATH="/opt/swift/usr/bin:$PATH"
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet --disable-pip-version-check "reportlab==4.*"
fi
swift build -c release --product invoice-bench >/dev/null 2>&1
ours=$(.build/release/invoice-bench "$seconds")
theirs=$(.venv-bench/bin/python reportlab_invoice.py "$seconds" "Studio Omega")
theirs_greek=$(.venv-bench/bin/python reportlab_invoice.py "$seconds" "Studio Ωmega")
python3 - "$ours" "$theirs" "$theirs_greek" <<'PY'
import json, sys
o = json.loads(sys.argv[1]); reportlab = float(sys.argv[2]); reportlab_greek = float(sys.argv[3])
print(f"1-page PDF, Latin   ours {o['onePagePerSecond']:8.1f}/s   ReportLab {reportlab:8.1f}/s   ratio {o['onePagePerSecond'] / reportlab:5.1f}x  (goal >= 5x)")
print(f"1-page PDF, +Greek  ours {o['greekPerSecond']:8.1f}/s   ReportLab {reportlab_greek:8.1f}/s   ratio {o['greekPerSecond'] / reportlab_greek:5.1f}x")
print(f"{o['twentyPages']}-page PDF     ours {o['twentyPagePerSecond']:8.2f}/s   ({o['twentyItems']} items)   "
      f"time per 20-page / time per 1-page = {o['onePagePerSecond'] / o['twentyPagePerSecond']:5.1f}x")
print(f"offline extraction + draft  {o['extractionsPerSecond']:10.0f}/s   (as people speak: {o['spokenPerSecond']:8.0f}/s; goal >= 5000/s)")
s = o['scaling']
for times in ("10", "100"):
    print(f"extraction, {times:>3}x the length: time x{s['1'] / s[times]:6.1f} (linear: x{int(times)})")
PY
