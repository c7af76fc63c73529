"""An OpenAI-compatible test peer on 127.0.0.1.

It checks the shape of what VoiceInvoice sends, the way the real API would refuse it:
  POST /v1/audio/transcriptions   Bearer key, multipart with `file` and `model`  -> {"text": ...}
  POST /v1/chat/completions       Bearer key, `model`, messages, response_format json_schema with strict: true
                                  and a closed schema (additionalProperties false, every property required)
                                  -> a completion whose content is the extraction JSON
Test controls (not OpenAI's):
  POST /test/script   {"transcript": str?, "extraction": obj?, "failures": [{"status": 429, "retryAfter": 1}, ...],
                       "delay": seconds?}   the next answers; failures are used up one request each
  GET  /test/requests the requests received so far (path, model, has_prompt, prompt), newest last

Usage: python openai_peer.py --api-key KEY   (prints "PORT <n>"; stops when stdin closes)
"""

import argparse
import email.parser
import email.policy
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"transcript": "Bill Acme for twelve hours of design at 85 dollars", "extraction": None, "failures": [], "delay": 0, "requests": []}
LOCK = threading.Lock()


def default_extraction():
    return {"clientName": "Acme", "items": [{"description": "Design", "quantity": "12", "unit": "hour", "unitPrice": "85", "currency": "USD"}],
            "currency": "USD", "dueInDays": 14, "taxRate": None, "notes": None, "warnings": []}


def conform(value, schema):
    """What strict structured outputs guarantee: the answer has every property of the schema and no other. A scripted
    extraction may leave properties out (they become null, [] or a conforming object); a property the schema does
    not have is a broken test script and raises."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if value is None:
        if "null" in kinds:
            return None
        if "array" in kinds:
            return []
        if "object" in kinds:
            value = {}
        else:
            raise ValueError(f"missing required non-null value for {schema}")
    if "object" in kinds and isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = set(value) - set(properties)
        if extra:
            raise ValueError(f"not in the schema: {sorted(extra)}")
        return {key: conform(value.get(key), sub) for key, sub in properties.items()}
    if "array" in kinds and isinstance(value, list):
        return [conform(item, schema.get("items", {})) for item in value]
    return value


def closed(schema):
    """strict: true demands every object closed and every property required, recursively."""
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False or sorted(schema.get("required", [])) != sorted(properties):
            return False
        return all(closed(value) for value in properties.values())
    if schema.get("type") == "array":
        return closed(schema.get("items", {}))
    return True


class Handler(BaseHTTPRequestHandler):
    api_key = ""

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message, headers=None):
        self.reply(status, {"error": {"message": message, "type": "invalid_request_error"}}, headers)

    def do_GET(self):
        if self.path == "/test/requests":
            with LOCK:
                return self.reply(200, STATE["requests"])
        self.error(404, "not found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/test/script":
            script = json.loads(body)
            with LOCK:
                STATE.update({key: script[key] for key in ("transcript", "extraction", "failures", "delay") if key in script})
            return self.reply(200, {"ok": True})
        if self.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self.error(401, "Incorrect API key provided")
        with LOCK:
            failure = STATE["failures"].pop(0) if STATE["failures"] else None
            delay = STATE["delay"]
        if delay:
            time.sleep(delay)
        if failure:
            headers = {"Retry-After": str(failure["retryAfter"])} if "retryAfter" in failure else {}
            return self.error(failure["status"], "scripted failure", headers)
        if self.path == "/v1/audio/transcriptions":
            return self.transcription(body)
        if self.path == "/v1/chat/completions":
            return self.completion(body)
        self.error(404, "not found")

    def transcription(self, body):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + body)
        if not message.is_multipart():
            return self.error(400, "expected multipart/form-data")
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                files[name] = part.get_payload(decode=True)
            else:
                fields[name] = part.get_content().strip()
        if "file" not in files or not files["file"]:
            return self.error(400, "file is required")
        if not fields.get("model"):
            return self.error(400, "model is required")
        with LOCK:
            STATE["requests"].append({"path": "transcriptions", "model": fields["model"], "has_prompt": bool(fields.get("prompt")),
                                      "prompt": fields.get("prompt", ""), "bytes": len(files["file"]),
                                      "magic": files["file"][:4].hex()})
            return self.reply(200, {"text": STATE["transcript"]})

    def completion(self, body):
        request = json.loads(body)
        response_format = request.get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        if not request.get("model") or not request.get("messages"):
            return self.error(400, "model and messages are required")
        if response_format.get("type") != "json_schema" or response_format["json_schema"].get("strict") is not True or not closed(schema):
            return self.error(400, "response_format must be a strict, closed json_schema")
        with LOCK:
            system = next((m.get("content", "") for m in request["messages"] if m.get("role") == "system"), "")
            STATE["requests"].append({"path": "chat/completions", "model": request["model"], "has_prompt": True, "prompt": system})
            try:
                extraction = conform(STATE["extraction"] or default_extraction(), schema)
            except ValueError as error:
                return self.error(500, f"test script does not fit the schema: {error}")
        return self.reply(200, {"id": "chatcmpl-peer", "object": "chat.completion", "model": request["model"],
                                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(extraction), "refusal": None}}]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    Handler.api_key = args.api_key
    # The default backlog (5) refuses connections under a few concurrent clients (the contract test runs several).
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
