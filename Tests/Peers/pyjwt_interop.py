"""Interoperability with PyJWT: verify VoiceInvoice's tokens, and sign tokens for VoiceInvoice to verify.

Reads a JSON document on stdin:
  {"issuer": ..., "audience": ..., "subject": ...,
   "keys": {"HS256": {"secret": ...}, "RS256": {"private": PEM, "public": PEM, "kid": ...}, "ES256": {...}},
   "tokens": {"HS256": token, "RS256": token, "ES256": token}}
Writes {"verified": {alg: claims or error string}, "tokens": {alg: token signed by PyJWT}} to stdout.
"""

import json
import sys
import time

import jwt


def main():
    request = json.load(sys.stdin)
    verified, tokens = {}, {}
    for alg, key in request["keys"].items():
        verify_key = key["secret"] if alg == "HS256" else key["public"]
        sign_key = key["secret"] if alg == "HS256" else key["private"]
        try:
            verified[alg] = jwt.decode(
                request["tokens"][alg], verify_key, algorithms=[alg], audience=request["audience"], issuer=request["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except Exception as error:  # reported back to the Swift test, which fails on it
            verified[alg] = f"error: {type(error).__name__}: {error}"
        now = int(time.time())
        claims = {"iss": request["issuer"], "aud": request["audience"], "sub": request["subject"], "iat": now, "nbf": now, "exp": now + 600, "jti": "pyjwt-" + alg}
        tokens[alg] = jwt.encode(claims, sign_key, algorithm=alg, headers={"typ": "at+jwt", "kid": key["kid"]})
    json.dump({"verified": verified, "tokens": tokens}, sys.stdout)


if __name__ == "__main__":
    main()
