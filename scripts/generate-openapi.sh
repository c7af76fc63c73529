#!/usr/bin/env bash
# Generates the Swift code of every role and client from the OpenAPI documents, with swift-openapi-generator
# (the same version the runtime matches). The output is committed: the generator's build plugin would build
# the generator, OpenAPIKit and Yams in every clean CI build. `--check` regenerates into a scratch folder and
# fails when the committed code differs (run by scripts/test.sh), so the code cannot drift from the documents.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
version=1.14.3
tool=.build-openapi/swift-openapi-generator
if [ ! -x "$tool/.build/debug/swift-openapi-generator" ]; then
  rm -rf "$tool"
  git clone --quiet --depth 1 --branch "$version" https://github.com/apple/swift-openapi-generator "$tool" 2>/dev/null
  (cd "$tool" && swift build --product swift-openapi-generator 2>&1 | grep -E "error:|Build of product" || true)
fi
generator="$tool/.build/debug/swift-openapi-generator"
mode="${1:-write}"
status=0
# Each line: configuration, document, output folder.
while read -r config document output; do
  [ -z "$config" ] && continue
  if [ "$mode" = "--check" ]; then
    scratch=$(mktemp -d)
    "$generator" generate --config "OpenAPI/$config" --output-directory "$scratch" "$document" >/dev/null 2>&1
    if ! diff -r -q "$scratch" "$output" >/dev/null; then
      echo "generate-openapi: $output is stale for $document; run scripts/generate-openapi.sh" >&2
      diff -r "$scratch" "$output" | head -20 >&2 || true
      status=1
    fi
    rm -rf "$scratch"
  else
    rm -rf "$output" && mkdir -p "$output"
    "$generator" generate --config "OpenAPI/$config" --output-directory "$output" "$document" > .build-openapi/last.log 2>&1 || { cat .build-openapi/last.log >&2; exit 1; }
  fi
done < OpenAPI/targets
[ "$mode" = "--check" ] && [ $status -eq 0 ] && echo "generate-openapi: generated code is fresh"
exit $status
