#!/usr/bin/env bash
# Installs what building, running and testing VoiceInvoice need on Debian 12 (bookworm), as root or through sudo.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  # build: the C libraries behind the system library targets, and pkg-config to find them
  pkg-config libssl-dev libcurl4-openssl-dev libmongoc-dev libbson-dev libcairo2-dev libpango1.0-dev libsqlite3-dev zlib1g-dev
  # run: fonts for the PDFs (Noto covers most scripts, Noto CJK Chinese/Japanese/Korean, DejaVu is the fallback), CA certificates for HTTPS upstreams
  fonts-noto-core fonts-noto-cjk fonts-dejavu-core ca-certificates
  # tests: pdftotext reads generated PDFs back; curl for the README walkthrough; venv for the Python test peers; espeak-ng speaks the test utterances
  poppler-utils curl python3 python3-venv espeak-ng
)
# --browser (the test command): Debian's Chromium for the web app's browser tests, driven by Playwright for Python
# (installed into the peers' venv). Running the product does not need it, so run.sh does not fetch it.
if [ "${1:-}" = "--browser" ]; then packages+=(chromium); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Swift itself cannot be fetched from Debian's archive; the machines this project runs on carry it in /opt/swift.
if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    echo "bootstrap: add /opt/swift/usr/bin to PATH" >&2
  else
    echo "bootstrap: Swift 6.1 or later is required (https://www.swift.org/install/linux/); it was not found on PATH" >&2
  fi
  exit 1
fi
