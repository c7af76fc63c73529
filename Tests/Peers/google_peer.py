"""A Google OpenID Connect test peer on 127.0.0.1.

It speaks the parts of Google's protocol VoiceInvoice uses, with real RS256 ID tokens signed by PyJWT:
  GET  /o/oauth2/v2/auth      authorization endpoint (code flow, PKCE S256 required, state and nonce passed through)
  POST /token                 token endpoint (authorization_code grant, checks client, redirect_uri and code_verifier)
  GET  /oauth2/v3/certs       JWK Set
Test controls (not Google's):
  POST /test/next-user        {sub, email, email_verified, name, _claims?}: who "signs in" at the next authorization
                              request (_claims overrides claims of the ID token it leads to)
  POST /test/mint             {claims: {...}, key: "peer"|"stranger"}: an ID token with exactly these claims
  GET  /test/stats            counters (code exchanges, JWKS fetches)

Usage: python google_peer.py --client-id ID --client-secret SECRET   (prints "PORT <n>" once listening)
"""

import argparse
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://accounts.google.com"


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Peer:
    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "peer-" + secrets.token_hex(4)
        # A key Google never published: tokens signed with it must be refused.
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.next_user = {"sub": "1000001", "email": "ann@gmail.com", "email_verified": True, "name": "Ann Google"}
        self.codes = {}
        self.lock = threading.Lock()
        self.stats = {"exchanges": 0, "jwks": 0}

    def jwks(self):
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid, "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e)}]}

    def id_token(self, claims: dict, key: str = "peer") -> str:
        signing_key = self.key if key == "peer" else self.stranger
        return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})


class Handler(BaseHTTPRequestHandler):
    peer: Peer

    def log_message(self, *args):
        pass

    def send_json(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/oauth2/v3/certs":
            with self.peer.lock:
                self.peer.stats["jwks"] += 1
            return self.send_json(200, self.peer.jwks())
        if url.path == "/test/stats":
            with self.peer.lock:
                return self.send_json(200, dict(self.peer.stats))
        if url.path == "/o/oauth2/v2/auth":
            problems = []
            if query.get("client_id") != self.peer.client_id:
                problems.append("client_id")
            if query.get("response_type") != "code":
                problems.append("response_type")
            if "openid" not in query.get("scope", "").split():
                problems.append("scope")
            if query.get("code_challenge_method") != "S256" or len(query.get("code_challenge", "")) != 43:
                problems.append("pkce")
            if not query.get("state") or not query.get("nonce") or not query.get("redirect_uri"):
                problems.append("state/nonce/redirect_uri")
            if problems:
                return self.send_json(400, {"error": "invalid_request", "error_description": ",".join(problems)})
            code = secrets.token_urlsafe(24)
            with self.peer.lock:
                self.peer.codes[code] = {
                    "redirect_uri": query["redirect_uri"],
                    "challenge": query["code_challenge"],
                    "nonce": query["nonce"],
                    "user": dict(self.peer.next_user),
                }
            location = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_json(404, {"error": "not_found"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path == "/token":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            with self.peer.lock:
                self.peer.stats["exchanges"] += 1
                grant = self.peer.codes.pop(form.get("code", ""), None)
            if grant is None:
                return self.send_json(400, {"error": "invalid_grant"})
            if form.get("grant_type") != "authorization_code" or form.get("client_id") != self.peer.client_id or form.get("client_secret") != self.peer.client_secret:
                return self.send_json(401, {"error": "invalid_client"})
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return self.send_json(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != grant["challenge"]:
                return self.send_json(400, {"error": "invalid_grant", "error_description": "code_verifier"})
            now = int(time.time())
            claims = dict(grant["user"])
            overrides = claims.pop("_claims", {})
            claims.update({"iss": ISSUER, "aud": self.peer.client_id, "azp": self.peer.client_id, "iat": now, "exp": now + 3600, "nonce": grant["nonce"]})
            # Test control: "_claims" in /test/next-user replaces claims of the next ID token (a wrong nonce, aud, …).
            claims.update(overrides)
            return self.send_json(200, {"access_token": secrets.token_urlsafe(24), "expires_in": 3599, "token_type": "Bearer", "scope": "openid email profile", "id_token": self.peer.id_token(claims)})
        if url.path == "/test/next-user":
            with self.peer.lock:
                self.peer.next_user = json.loads(body)
            return self.send_json(200, {"ok": True})
        if url.path == "/test/mint":
            request = json.loads(body)
            return self.send_json(200, {"id_token": self.peer.id_token(request["claims"], request.get("key", "peer"))})
        self.send_json(404, {"error": "not_found"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    Handler.peer = Peer(args.client_id, args.client_secret)
    # The default backlog (5) refuses connections under a few concurrent clients (the contract test runs several).
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    # Stops when the test that started it closes our standard input (or exits).
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
