"""schemathesis hooks for the contract test: every operation is called as a signed-in user, whose account is
registered through the API itself on first use (CONTRACT_BASE_URL names the gateway)."""
import os
import secrets

import requests
import schemathesis

_token = None


def access_token():
    global _token
    if _token is None:
        email = f"contract-{secrets.token_hex(6)}@example.com"
        reply = requests.post(os.environ["CONTRACT_BASE_URL"] + "/api/auth/register",
                              json={"email": email, "password": "correct horse battery staple", "name": "Contract"}, timeout=30)
        reply.raise_for_status()
        _token = reply.json()["accessToken"]
    return _token


@schemathesis.auth()
class Bearer:
    def get(self, case, context):
        return access_token()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
