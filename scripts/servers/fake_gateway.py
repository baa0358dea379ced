"""A fake SMS / KakaoTalk HTTP gateway for TR1L integration tests (standard library only; run
with /usr/bin/python3).

POST /v1/messages with Content-Type: application/json, an Idempotency-Key header and the body
  {"channel": "SMS"|"KAKAO", "to": str, "text": str, "reference": str (= the key),
   "user_id": int, "month": str, "round": int}
answers 200 {"message_id": "..."} and appends one JSON line {"idempotency_key", "body",
"authorized", "received_at"} to RECEIVED. Like a real gateway it deduplicates: a key it has
already accepted answers 200 with the same message_id and is not appended again (a different
body under an accepted key answers 409). Every request, whatever its answer, also appends
{"idempotency_key", "to", "status", "peer_port"} to TRIES, so tests can count retries (and
connections: one client port per connection).

Started with a token (environment TR1L_FAKE_GATEWAY_TOKEN), it answers 401 to requests without
"Authorization: Bearer <token>". A malformed request answers 400 {"error": ...}.

Failures on purpose, chosen by a prefix of "to" and counted per idempotency key:
  fail503:N:<number>   503 for the first N tries, then accepted
  fail429:N:<number>   429 with Retry-After: 1 for the first N tries, then accepted
  reject400:<number>   always 400 {"error": "invalid recipient <to>"} (echoes the number, as
                       real gateways do, so tests can check the client keeps it out of errors)
  slow:MS:<number>     waits MS milliseconds, then handles the request normally
  drop:N:<number>      closes the connection without an answer for the first N tries

usage: fake_gateway.py --port P --received FILE --tries FILE --ready FILE
"""

import argparse
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUIRED_FIELDS = {"channel": str, "to": str, "text": str, "reference": str, "user_id": int, "month": str,
                   "round": int}


class Gateway:
    def __init__(self, received_path, tries_path, token):
        self.lock = threading.Lock()
        self.received = open(received_path, "a", buffering=1)
        self.tries_log = open(tries_path, "a", buffering=1)
        self.token = token
        self.accepted = {}  # idempotency key -> (message_id, body)
        self.tries = {}  # idempotency key -> requests seen
        self.next_id = 1

    def count_try(self, key):
        with self.lock:
            self.tries[key] = self.tries.get(key, 0) + 1
            return self.tries[key]

    def log_try(self, key, to, status, peer_port):
        with self.lock:
            self.tries_log.write(json.dumps({"idempotency_key": key, "to": to, "status": status,
                                             "peer_port": peer_port}) + "\n")

    def accept(self, key, body, authorized):
        """(status, message_id) for a request that passed every check."""
        with self.lock:
            if key in self.accepted:
                message_id, first_body = self.accepted[key]
                return (200, message_id) if first_body == body else (409, None)
            message_id = "m-%08d" % self.next_id
            self.next_id += 1
            self.accepted[key] = (message_id, body)
            self.received.write(json.dumps({"idempotency_key": key, "body": body, "authorized": authorized,
                                            "received_at": time.time()}, ensure_ascii=False) + "\n")
            return 200, message_id


def failure_rule(to):
    """(rule, number, rest) for a magic "to" prefix, else (None, 0, to)."""
    for rule in ("fail503", "fail429", "slow", "drop"):
        if to.startswith(rule + ":"):
            count, _, rest = to[len(rule) + 1:].partition(":")
            if count.isdigit():
                return rule, int(count), rest
    if to.startswith("reject400:"):
        return "reject400", 0, to[len("reject400:"):]
    return None, 0, to


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    # Headers and body go out in separate writes; with Nagle on, the body would wait for the
    # client's delayed ACK (40 ms) on every request.
    disable_nagle_algorithm = True
    server_version = "TR1LFakeGateway/1"

    def log_message(self, format, *args):  # quiet: tests read the JSON logs instead
        pass

    def answer(self, status, document, headers=()):
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == "/health":
            self.answer(200, {"ok": True})
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if self.path.split("?")[0] != "/v1/messages":
            return self.answer(404, {"error": "not found"})
        key = self.headers.get("Idempotency-Key", "")
        authorized = self.headers.get("Authorization") == "Bearer " + gateway.token if gateway.token else None
        if gateway.token and not authorized:
            gateway.log_try(key, None, 401, self.client_address[1])
            return self.answer(401, {"error": "unauthorized"})
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            gateway.log_try(key, None, 415, self.client_address[1])
            return self.answer(415, {"error": "Content-Type must be application/json"})
        try:
            body = json.loads(raw)
        except ValueError:
            gateway.log_try(key, None, 400, self.client_address[1])
            return self.answer(400, {"error": "body is not JSON"})
        problem = None
        if not key:
            problem = "Idempotency-Key header is missing"
        elif not isinstance(body, dict):
            problem = "body is not an object"
        else:
            for field, kind in REQUIRED_FIELDS.items():
                if not isinstance(body.get(field), kind) or isinstance(body.get(field), bool):
                    problem = "field %s is missing or not a %s" % (field, kind.__name__)
                    break
            if problem is None and body["channel"] not in ("SMS", "KAKAO"):
                problem = "channel must be SMS or KAKAO"
            if problem is None and body["reference"] != key:
                problem = "reference differs from Idempotency-Key"
        if problem:
            gateway.log_try(key, body.get("to") if isinstance(body, dict) else None, 400, self.client_address[1])
            return self.answer(400, {"error": problem})

        to = body["to"]
        tries = gateway.count_try(key)
        with gateway.lock:
            already_accepted = key in gateway.accepted
        rule, number, _ = failure_rule(to)
        if not already_accepted:
            if rule == "slow":
                time.sleep(number / 1000.0)
            elif rule == "fail503" and tries <= number:
                gateway.log_try(key, to, 503, self.client_address[1])
                return self.answer(503, {"error": "service unavailable"})
            elif rule == "fail429" and tries <= number:
                gateway.log_try(key, to, 429, self.client_address[1])
                return self.answer(429, {"error": "too many requests"}, [("Retry-After", "1")])
            elif rule == "drop" and tries <= number:
                gateway.log_try(key, to, 0, self.client_address[1])
                self.close_connection = True
                return None
            elif rule == "reject400":
                gateway.log_try(key, to, 400, self.client_address[1])
                return self.answer(400, {"error": "invalid recipient %s" % to})
        status, message_id = gateway.accept(key, body, authorized)
        gateway.log_try(key, to, status, self.client_address[1])
        if status != 200:
            return self.answer(status, {"error": "idempotency key reused with a different request"})
        return self.answer(200, {"message_id": message_id})


def main():
    parser = argparse.ArgumentParser(description="TR1L fake SMS/KakaoTalk gateway")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--received", required=True)
    parser.add_argument("--tries", required=True)
    parser.add_argument("--ready", required=True)
    arguments = parser.parse_args()

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.gateway = Gateway(arguments.received, arguments.tries, os.environ.get("TR1L_FAKE_GATEWAY_TOKEN", ""))
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    with open(arguments.ready + ".tmp", "w") as ready:
        ready.write("%d\n" % os.getpid())
    os.replace(arguments.ready + ".tmp", arguments.ready)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
