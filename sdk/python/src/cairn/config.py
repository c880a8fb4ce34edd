"""Where the client finds its server and key: arguments, the environment, or ``local.json``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlparse

from .errors import CairnError


@dataclass(frozen=True)
class LocalConfigFile:
    """What ``npm start`` writes into its data folder, and where it was found."""

    path: Path
    url: Optional[str]
    tenant: Optional[str]
    api_key: Optional[str]
    operator_key: Optional[str]


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: Optional[str]
    operator_key: Optional[str]
    #: Where the settings came from, for error messages.
    source: str


def _trim(url: str) -> str:
    return url.rstrip("/")


def find_local_config(env: Mapping[str, str], cwd: Optional[Path] = None) -> Optional[LocalConfigFile]:
    """``<CAIRN_DATA_DIR>/local.json`` when that variable is set, else the nearest
    ``.cairn/local.json`` walking up from ``cwd``; None when there is none."""
    here = Path(cwd if cwd is not None else os.getcwd()).resolve()
    found: Optional[Path] = None
    data_dir = env.get("CAIRN_DATA_DIR")
    if data_dir:
        # The variable names the stack explicitly, as it does for `npm start` and the CLI.
        candidate = (here / data_dir / "local.json").resolve()
        if candidate.is_file():
            found = candidate
    else:
        for folder in (here, *here.parents):
            candidate = folder / ".cairn" / "local.json"
            if candidate.is_file():
                found = candidate
                break
    if found is None:
        return None
    try:
        parsed = json.loads(found.read_text(encoding="utf-8"))
        if not isinstance(parsed, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        raise CairnError("client.not_configured", f"Cannot read {found}: {error}") from error

    def text(field: str) -> Optional[str]:
        value = parsed.get(field)
        return value if isinstance(value, str) and value else None

    return LocalConfigFile(
        path=found,
        url=text("url"),
        tenant=text("tenant"),
        api_key=text("apiKey"),
        operator_key=text("operatorKey"),
    )


def resolve_connection(
    url: Optional[str] = None,
    api_key: Optional[str] = None,
    operator_key: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[Path] = None,
) -> Connection:
    """Settings, first found wins: arguments, then ``CAIRN_URL`` / ``CAIRN_API_KEY`` /
    ``CAIRN_OPERATOR_KEY``, then ``local.json``. Keys from ``local.json`` are used only with the URL
    written beside them, so a local admin key is never sent to a server named elsewhere."""
    environ = os.environ if env is None else env
    source = "arguments" if url else "CAIRN_URL" if environ.get("CAIRN_URL") else ""
    url = url or environ.get("CAIRN_URL") or None
    api_key = api_key or environ.get("CAIRN_API_KEY") or None
    operator_key = operator_key or environ.get("CAIRN_OPERATOR_KEY") or None

    if not url or not api_key or not operator_key:
        local = find_local_config(environ, cwd)
        if local is not None:
            if not url and local.url:
                url, source = local.url, str(local.path)
            if url and local.url and _trim(local.url) == _trim(url):
                api_key = api_key or local.api_key
                operator_key = operator_key or local.operator_key
    if not url:
        raise CairnError(
            "client.not_configured",
            "No Cairn server configured: set CAIRN_URL and CAIRN_API_KEY (or pass url= and api_key=), "
            "or start the local stack with `npm start` so that .cairn/local.json exists",
        )
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CairnError("client.not_configured", f"The Cairn URL from {source} is not an http(s) URL: {url}")
    return Connection(url=_trim(url), api_key=api_key, operator_key=operator_key, source=source)
