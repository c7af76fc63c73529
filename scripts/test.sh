#!/usr/bin/env bash
# Runs every test: installs what the tests need, builds, and runs the Swift Testing suites
# (unit tests per library target, and end-to-end tests that start the four roles as separate servers on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
./scripts/bootstrap.sh --browser

# Python test peers (Google OpenID Connect peer, PyJWT interoperability) in their own virtual environment,
# reinstalled only when the requirements change.
if [ ! -x .venv-peers/bin/python ] || ! cmp -s Tests/Peers/requirements.txt .venv-peers/requirements.txt; then
  python3 -m venv .venv-peers
  .venv-peers/bin/pip install --quiet --disable-pip-version-check -r Tests/Peers/requirements.txt
  cp Tests/Peers/requirements.txt .venv-peers/requirements.txt
fi

# The roles' generated servers must match the OpenAPI documents they come from (builds the generator once).
./scripts/generate-openapi.sh --check
# Package.swift declares every module each target imports; the code follows .swift-format.
python3 scripts/check_imports.py
./scripts/format.sh --check

start=$(date +%s)
swift build --build-tests 2>&1 | grep -E "error:|Build complete|Compiling|Building" | grep -vE "^\[[0-9]+/[0-9]+\] Compiling" || true
# The benchmarks are a package of their own (so the product never compiles them); building it here, without running
# a measurement, makes a change that breaks a benchmark fail CI instead of rotting it.
if ! swift build --package-path Benchmarks > .build/benchmarks-build.log 2>&1; then
  grep -E "error:" .build/benchmarks-build.log | head -20 >&2
  echo "test.sh: the Benchmarks package does not build (.build/benchmarks-build.log)" >&2
  exit 1
fi
built=$(date +%s)
# Fuzzing first: every parser's libFuzzer target for FUZZ_SECONDS each (a separate, instrumented build); any crash
# fails the run. Then the test suites, whose summary closes the output.
fuzzed=$(date +%s)
if [ "${SKIP_FUZZ:-0}" != "1" ]; then
  ./scripts/fuzz.sh "${FUZZ_SECONDS:-25}"
fi
tested=$(date +%s)
swift test --skip-build "$@"
end=$(date +%s)
echo "test.sh: build $((built - start)) s, fuzzing $((tested - fuzzed)) s, tests $((end - tested)) s" >&2
