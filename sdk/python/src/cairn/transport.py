"""The client's one way to the server: JSON in and out, bearer auth, retries that never duplicate."""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Union

from .errors import CairnError

QueryValue = Union[str, int, float, bool, None, Sequence[Union[str, int]]]


@dataclass(frozen=True)
class RetryPolicy:
    """How requests are retried.

    Attributes:
        max_attempts: attempts per request, the first included; 1 turns retries off.
        base_delay: the first backoff in seconds; each retry doubles it, with jitter.
        max_delay: the longest backoff between two attempts, in seconds.
        max_retry_after: a ``Retry-After`` longer than this fails the request at once instead.
    """

    max_attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 10.0
    max_retry_after: float = 60.0


#: Statuses that say "not done, try again later" without the request having been acted upon.
_REFUSED = frozenset({408, 429, 503})
#: Non-Cairn error bodies: the code the status most likely means.
_STATUS_CODES = {401: "auth.invalid_key", 403: "auth.forbidden", 404: "route.not_found", 413: "request.too_large"}


def backoff_delay(failures: int, base: float, ceiling: float, rand: Any = random.random) -> float:
    """Equal jitter: at least half the exponential step, so retries never come back-to-back."""
    step = min(ceiling, base * 2 ** (failures - 1))
    return step / 2 + rand() * (step / 2)


def parse_retry_after(header: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` (delay-seconds or an HTTP date) as seconds from now, or None."""
    if not header:
        return None
    text = header.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def never_sent(error: BaseException) -> bool:
    """Whether a failure happened before the server could have seen the request: the connection
    was refused or the name did not resolve. Anything later may have been acted upon."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def _describe(error: BaseException) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "no answer in time"
    return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def _error_from(status: int, text: str, request_id: Optional[str], reason: str) -> CairnError:
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        details = error.get("details")
        message = error.get("message")
        return CairnError(
            error["code"],
            message if isinstance(message, str) else error["code"],
            status=status,
            details=details if isinstance(details, dict) else None,
            request_id=request_id,
        )
    # Not our JSON: a gateway, proxy or load balancer answered.
    message = body.get("message") if isinstance(body, dict) else None
    summary = message if isinstance(message, str) else (text[:200] or reason or "HTTP error")
    code = _STATUS_CODES.get(status, f"http.{status}")
    return CairnError(code, f"HTTP {status}: {summary}", status=status, request_id=request_id)


def json_dumps(value: Any) -> str:
    # allow_nan=False: a NaN that slipped through must fail here, not as invalid JSON on the server.
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class Transport:
    """JSON requests below ``<url>/api/v1`` with retries.

    Network failures, 408, 429 and 5xx are retried with jittered exponential backoff, honouring
    ``Retry-After``; a 409 whose code ends in ``.busy`` too. Other 4xx answers are final. A request
    that is not idempotent is retried only when the server provably did not act on it: 408, 429,
    503, a ``*.busy`` 409, or a connection that never opened. Thread-safe: it holds no connection.
    """

    def __init__(
        self,
        url: str,
        *,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.retry = retry
        self.timeout = timeout
        self.headers = dict(headers or {})

    def build_url(self, path: str, query: Optional[Mapping[str, QueryValue]] = None) -> str:
        url = f"{self.url}/api/v1{path}"
        if not query:
            return url
        pairs = []
        for name, value in query.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                pairs.extend((name, str(item)) for item in value)
            elif isinstance(value, bool):
                pairs.append((name, "true" if value else "false"))
            else:
                pairs.append((name, str(value)))
        return f"{url}?{urllib.parse.urlencode(pairs)}" if pairs else url

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, QueryValue]] = None,
        body: Any = None,
        json_text: Optional[str] = None,
        token: Optional[str] = None,
        idempotent: Optional[bool] = None,
    ) -> Any:
        """One call; ``path`` is below ``/api/v1`` and already URL-encoded. Returns the parsed JSON."""
        url = self.build_url(path, query)
        if idempotent is None:
            idempotent = method in ("GET", "PUT", "DELETE")
        headers = {"accept": "application/json", **self.headers}
        if token:
            headers["authorization"] = f"Bearer {token}"
        text = json_text if json_text is not None else (None if body is None else json_dumps(body))
        data = None if text is None else text.encode("utf-8")
        if data is not None:
            headers["content-type"] = "application/json"
        policy = self.retry
        attempts = max(1, int(policy.max_attempts))

        attempt = 0
        while True:
            attempt += 1
            last = attempt >= attempts
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    raw = answer.read()
                    status = answer.status
                    request_id = answer.headers.get("x-request-id")
            except urllib.error.HTTPError as answer:
                try:
                    raw_error = answer.read()
                except (OSError, http.client.HTTPException):
                    raw_error = b""
                status = answer.code
                error = _error_from(
                    status, raw_error.decode("utf-8", "replace"), answer.headers.get("x-request-id"), answer.reason
                )
                # `<domain>.busy` (409): the server refused a write that lost a race, and asks for a retry.
                busy = status == 409 and error.code.endswith(".busy")
                retryable = busy or status in _REFUSED or (idempotent and status >= 500)
                if last or not retryable:
                    raise error from None
                retry_after = parse_retry_after(answer.headers.get("retry-after"))
                if retry_after is not None and retry_after > policy.max_retry_after:
                    raise error from None
                time.sleep(
                    retry_after
                    if retry_after is not None
                    else backoff_delay(attempt, policy.base_delay, policy.max_delay)
                )
                continue
            except (OSError, http.client.HTTPException) as failure:
                # Refused, reset, timed out, or the connection closed before a whole answer.
                if last or not (idempotent or never_sent(failure)):
                    suffix = f" after {attempt} attempts" if attempt > 1 else ""
                    raise CairnError(
                        "network.unreachable",
                        f"Cannot reach {self.url} ({method} {path}): {_describe(failure)}{suffix}",
                        details={"attempts": attempt},
                    ) from failure
                time.sleep(backoff_delay(attempt, policy.base_delay, policy.max_delay))
                continue

            if not raw:
                return {}
            try:
                return json.loads(raw)
            except ValueError:
                raise CairnError(
                    "client.invalid_response",
                    f"{method} {path} answered {status} with non-JSON",
                    status=status,
                    request_id=request_id,
                ) from None
