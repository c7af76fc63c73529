#!/usr/bin/env bash
# Per role, in one run: time from exec to the first 200 from /healthz, and resident memory once idle, for the release
# build linked as the Docker image links it (--static-swift-stdlib); and the binary's size.
# Also checks, as the Dockerfile test does for the debug build, that every shared library this binary links belongs to
# a package the Dockerfile's runtime stage installs (or one they depend on).
# Usage: Benchmarks/startup.sh [runs-per-role]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --static-swift-stdlib --product voice-invoice --build-path .build-static >/dev/null 2>&1
binary=.build-static/release/voice-invoice
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
secret=$(printf 'b%.0s' $(seq 40))
python3 - "$binary" "$runs" "$work" "$secret" <<'PY'
import os, socket, subprocess, sys, time
binary, runs, work, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def healthy(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as c:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return c.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
stripped = f"{work}/stripped"
subprocess.run(["strip", "-o", stripped, binary], check=True)
print(f"binary {binary}: {os.path.getsize(binary) / 1e6:.1f} MB (release, static Swift runtime), {os.path.getsize(stripped) / 1e6:.1f} MB stripped (as in the image)")
print(f"{'role':8} {'exec → /healthz 200 (ms)':>26} {'idle RSS (MB)':>14}   runs: {runs}")
for role in ["gateway", "auth", "user", "invoice"]:
    times, rss = [], []
    for run in range(runs):
        port = free_port()
        env = {"PATH": "/usr/bin:/bin", "PORT": str(port), "HOST": "127.0.0.1", "JWT_SECRET": secret, "LOG_LEVEL": "warning",
               "DATA_DIR": f"{work}/{role}-{run}", "AUTH_SERVICE_URL": "127.0.0.1:1", "USER_SERVICE_URL": "127.0.0.1:1", "INVOICE_SERVICE_URL": "127.0.0.1:1"}
        start = time.perf_counter()
        process = subprocess.Popen([binary, "serve", role], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not healthy(port):
            if process.poll() is not None:
                sys.exit(f"{role} exited with {process.returncode}")
            time.sleep(0.002)
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(1.0)
        rss.append(rss_mb(process.pid))
        process.terminate(); process.wait()
    times.sort(); rss.sort()
    print(f"{role:8} {'p50 %.0f, max %.0f' % (times[len(times) // 2], times[-1]):>26} {rss[len(rss) // 2]:14.1f}")
print("goals: ≤ 300 ms to the first 200, ≤ 60 MB idle")
PY
echo "linked shared libraries (ldd), by Debian package:"
ldd "$binary" | awk '/=> \// {print $3}' | while read -r lib; do dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1; done | sort -u | tr '\n' ' '; echo
