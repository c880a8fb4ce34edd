"""One real local stack (`node infra/local/main.ts`) shared by every test module of a run.

The first module that asks starts it on a free port with its own data folder; it is stopped with
SIGTERM when the test process exits. Each test class mints its own tenant, so tests share no data.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

HERE = Path(__file__).resolve().parent
SDK_PYTHON = HERE.parent
REPO = SDK_PYTHON.parent.parent
SRC = SDK_PYTHON / "src"
if str(SRC) not in sys.path:
    # The tests exercise the source tree, installed or not.
    sys.path.insert(0, str(SRC))

START_TIMEOUT = 120.0

_process: Optional["subprocess.Popen[bytes]"] = None
_data_dir: Optional[Path] = None
_config: Optional[Dict[str, Any]] = None
_log: Optional[Any] = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return answer.status


def start() -> Dict[str, Any]:
    """The running stack's ``local.json`` (``url``, ``apiKey``, ``operatorKey``), starting it once."""
    global _process, _data_dir, _config, _log
    if _config is not None:
        return _config
    _data_dir = Path(tempfile.mkdtemp(prefix="cairn-py-stack-"))
    port = free_port()
    env = {**os.environ, "CAIRN_DATA_DIR": str(_data_dir), "PORT": str(port), "CAIRN_QUIET": "1"}
    _log = open(_data_dir / "stack.log", "wb")
    _process = subprocess.Popen(
        ["node", "infra/local/main.ts"], cwd=REPO, env=env, stdout=_log, stderr=subprocess.STDOUT
    )
    atexit.register(stop)
    if threading.current_thread() is threading.main_thread():
        # A runner that times the suite out sends SIGTERM: exit through atexit, stopping the stack.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    local = _data_dir / "local.json"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if _process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {_process.returncode}:\n{_log_tail()}")
        if local.is_file():
            try:
                config = json.loads(local.read_text())
                if _get(f"{config['url']}/api/v1/health") == 200:
                    _config = config
                    return config
            except (ValueError, OSError):
                pass
        time.sleep(0.25)
    raise RuntimeError(f"the local stack did not answer within {START_TIMEOUT:.0f} s:\n{_log_tail()}")


def _log_tail() -> str:
    try:
        return (_data_dir / "stack.log").read_text(errors="replace")[-3000:]  # type: ignore[operator]
    except OSError:
        return ""


def stop() -> None:
    global _process, _config
    process, _process, _config = _process, None, None
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if _log is not None:
        _log.close()
    if _data_dir is not None:
        shutil.rmtree(_data_dir, ignore_errors=True)


def new_tenant() -> Tuple[str, str]:
    """A fresh tenant on the stack: ``(url, admin API key)``."""
    config = start()
    tenant_id = f"py-{uuid.uuid4().hex[:12]}"
    request = urllib.request.Request(
        f"{config['url']}/api/v1/tenants",
        data=json.dumps({"id": tenant_id}).encode(),
        method="POST",
        headers={"authorization": f"Bearer {config['operatorKey']}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        created = json.loads(answer.read())
    return config["url"], created["apiKey"]["secret"]
