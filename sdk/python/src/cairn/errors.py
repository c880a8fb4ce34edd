"""The one error type the client raises, carrying the server's code."""

from __future__ import annotations

from typing import Any, Dict, Optional

# Codes the client raises itself, without a server answer (their `status` is 0):
#   network.unreachable       no HTTP answer after every retry (refused, reset, timed out)
#   http.<status>             an HTTP error whose body is not Cairn's (a proxy, a load balancer)
#   client.not_configured     no server URL, or no key for the call
#   client.invalid_argument   a call the server would refuse anyway, caught before sending
#   client.run_ended          logging through a run handle after `end()` or `close()`
#   client.invalid_response   a 2xx answer that is not JSON
#   client.transfer_failed    an upload or download to storage failed for good
#   client.checksum_mismatch  downloaded bytes whose size or SHA-256 differ from the manifest
CLIENT_CODES = (
    "network.unreachable",
    "client.not_configured",
    "client.invalid_argument",
    "client.run_ended",
    "client.invalid_response",
    "client.transfer_failed",
    "client.checksum_mismatch",
)


class CairnError(Exception):
    """Every failure the client reports: a server error with its code, or one of the client's own.

    Attributes:
        code: the server's error code (``runs.not_found``) or the client's (``network.unreachable``).
        message: what went wrong, for people.
        status: the HTTP status of the answer; 0 when there was none.
        details: user-facing data from the server (``details["issues"]`` for invalid input).
        request_id: the server's ``x-request-id``; quote it when reporting a problem.

    Example::

        try:
            cairn.get_run(run_id)
        except cairn.CairnError as error:
            if error.matches("runs.not_found"):
                ...
            elif error.matches("runs."):   # every runs.* code
                ...
            else:
                raise
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 0,
        details: Optional[Dict[str, Any]] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.request_id = request_id

    def matches(self, code: str) -> bool:
        """Whether this error has ``code``; a code ending in ``.`` (``"runs."``) is a prefix."""
        return self.code.startswith(code) if code.endswith(".") else self.code == code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"CairnError({self.code!r}, {self.message!r}, status={self.status})"


def invalid_argument(message: str) -> CairnError:
    return CairnError("client.invalid_argument", message)
