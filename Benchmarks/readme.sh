#!/usr/bin/env bash
# Regenerates the README's benchmark figures from the scripts' own output: each script's output goes verbatim into its
# block between `<!-- benchmark:<name> -->` and `<!-- /benchmark:<name> -->` in README.md, with the command and the date.
# Nothing in those blocks is typed by hand; the prose around them says what each measures.
# Usage: Benchmarks/readme.sh [name...]   (default: every block; names: jwt invoice proxy voice creates store startup instructions web-app)
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A commands=(
  [jwt]="Benchmarks/jwt.sh"
  [invoice]="Benchmarks/invoice.sh"
  [proxy]="Benchmarks/proxy.sh"
  [voice]="Benchmarks/voice.sh 400"
  [creates]="Benchmarks/creates.sh"
  [store]="env MONGO_COUNT=1000 Benchmarks/store.sh"   # the MongoDB peer takes ~15 min for 10 000
  [startup]="Benchmarks/startup.sh"
  [instructions]="Benchmarks/instructions.sh"
  [web-app]="Benchmarks/web-app.sh"
)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(jwt invoice proxy voice creates store startup instructions web-app)
for name in "${names[@]}"; do
  command=${commands[$name]:-}
  [ -n "$command" ] || { echo "no benchmark named $name" >&2; exit 64; }
  grep -q "<!-- benchmark:$name -->" README.md || { echo "README.md has no block for $name" >&2; exit 1; }
  echo "running $command" >&2
  # Standard output only: the scripts print their figures there (servers' log lines go to standard error).
  output=$($command 2>"$log") || { cat "$log" >&2; echo "$command failed" >&2; exit 1; }
  python3 - "$name" "$command" "$output" <<'PY'
import datetime, os, re, sys
name, command, output = sys.argv[1:4]
path = "README.md"
text = open(path).read()
block = (f"<!-- benchmark:{name} -->\n```text\n$ {command}      # {datetime.date.today()}, {os.cpu_count()} cores\n"
         f"{output.rstrip()}\n```\n<!-- /benchmark:{name} -->")
pattern = re.compile(rf"<!-- benchmark:{re.escape(name)} -->.*?<!-- /benchmark:{re.escape(name)} -->", re.S)
open(path, "w").write(pattern.sub(lambda _: block, text, count=1))
PY
done
