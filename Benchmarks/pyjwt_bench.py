"""PyJWT sign and full-verify throughput (one thread), for the same claims and algorithms as jwt-bench."""
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
now = int(time.time())
claims = {"iss": "voice-invoice", "sub": "6f1c0d2a9b8e4f7a8c3d2e1f0a9b8c7d", "aud": "voice-invoice-api", "iat": now, "nbf": now, "exp": now + 900,
          "jti": "q2x9YkR1cFhTbm9mZ2s4Uw", "email": "ann@example.com", "name": "Ann"}


def rate(body):
    for _ in range(200):
        body()
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(100):
            body()
        count += 100
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


results = []
for alg, private in [("HS256", "0123456789abcdef0123456789abcdef"), ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)), ("ES256", ec.generate_private_key(ec.SECP256R1()))]:
    public = private if alg == "HS256" else private.public_key()
    token = jwt.encode(claims, private, algorithm=alg, headers={"typ": "at+jwt", "kid": "bench"})
    sign = rate(lambda: jwt.encode(claims, private, algorithm=alg, headers={"typ": "at+jwt", "kid": "bench"}))
    verify = rate(lambda: jwt.decode(token, public, algorithms=[alg], audience="voice-invoice-api", issuer="voice-invoice"))
    results.append({"alg": alg, "signPerSecond": sign, "verifyPerSecond": verify})
print(json.dumps(results))
