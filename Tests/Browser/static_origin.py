"""A copy of the web app on another origin: serves Sources/Gateway/WebApp as plain files, with index.html naming the
gateway as its API (`<meta name="voice-invoice-api">`), as an operator hosting the app elsewhere would.

Usage: python static_origin.py --root DIR --api URL   (prints "PORT <n>"; stops when stdin closes)
"""

import argparse
import os
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--api", required=True)
    args = parser.parse_args()
    index = open(os.path.join(args.root, "index.html"), encoding="utf-8").read()
    index = index.replace('<meta name="voice-invoice-api" content="">', f'<meta name="voice-invoice-api" content="{args.api}">')

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=args.root, **k)

        def log_message(self, *a):
            pass

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path.startswith("/assets/"):
                self.path = "/" + path[len("/assets/"):]
                return super().do_GET()
            # Every other path is a page of the app.
            body = index.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def guess_type(self, path):
            return "text/javascript" if path.endswith(".js") else super().guess_type(path)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
