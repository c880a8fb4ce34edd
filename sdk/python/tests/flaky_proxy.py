"""A small HTTP proxy in front of the stack that fails chosen requests, to test retries.

Each request is matched against a script of faults, consumed in order:
  "503"              answer 503 (with Retry-After) without forwarding: the server never saw it;
  "drop-before"      close the connection without forwarding;
  "drop-after"       forward, then close the connection without answering: the server acted on
                     it, but the client cannot know;
  ("json", status, body)  answer with this JSON without forwarding.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, List, Optional, Tuple
from urllib.parse import urlparse

Fault = Any


class FlakyProxy:
    def __init__(self, upstream: str, retry_after: str = "0") -> None:
        self.upstream = urlparse(upstream)
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._faults: List[Tuple[Callable[[str, str], bool], Fault]] = []
        #: (method, path, body) of every request forwarded to the server.
        self.forwarded: List[Tuple[str, str, bytes]] = []
        #: (method, path, fault) of every request that met a fault.
        self.faulted: List[Tuple[str, str, Fault]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy._take_fault(self.command, self.path)
                if fault == "503":
                    self._answer(503, b'{"message":"Service Unavailable"}', {"Retry-After": proxy.retry_after})
                    return
                if fault == "drop-before":
                    self.close_connection = True
                    return
                if isinstance(fault, tuple) and fault[0] == "json":
                    self._answer(fault[1], json.dumps(fault[2]).encode(), {})
                    return
                status, headers, answer = proxy._forward(self.command, self.path, dict(self.headers), body)
                if fault == "drop-after":
                    self.close_connection = True
                    return
                self._answer(status, answer, headers)

            def _answer(self, status: int, body: bytes, headers: dict) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def fail(self, match: Callable[[str, str], bool], *faults: Fault) -> None:
        """The next requests that ``match(method, path)`` meet ``faults``, one each, in order."""
        with self._lock:
            self._faults.extend((match, fault) for fault in faults)

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            for index, (match, fault) in enumerate(self._faults):
                if match(method, path):
                    del self._faults[index]
                    self.faulted.append((method, path, fault))
                    return fault
        return None

    def _forward(self, method: str, path: str, headers: dict, body: bytes) -> Tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            with self._lock:
                self.forwarded.append((method, path, body))
            return answer.status, dict(answer.getheaders()), data
        finally:
            connection.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
