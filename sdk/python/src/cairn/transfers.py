"""Moving bytes between this machine and the artifact store, for datasets, run artifacts and models.

Bytes go straight to and from storage through presigned URLs; the API only signs, confirms and
records. Files are hashed in parallel, transfers run with bounded concurrency, retry transient
failures and re-sign expired URLs, and a download never leaves a partly written file under its
final name.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import random
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from .errors import CairnError, invalid_argument
from .progress import Progress, ProgressArg

_CHUNK = 1024 * 1024
#: Requests to storage in flight at once.
DEFAULT_CONCURRENCY = 8
#: Blobs per declaration: small enough that URLs are fresh when used, big enough to keep requests few.
_DECLARE_BATCH = 64
_DECLARE_BATCH_BYTES = 512 * 1024 * 1024
_COMPLETE_BATCH = {"blobs": 1000, "multipart": 100}
_STORAGE_TIMEOUT = 300.0

T = TypeVar("T")


class ApiClient(Protocol):
    """What these functions need of a client: one authenticated JSON request below ``/api/v1``."""

    def request(
        self, method: str, path: str, body: Any = None, *, query: Any = None, idempotent: Optional[bool] = None
    ) -> Any: ...


@dataclass(frozen=True)
class LocalFile:
    #: Relative and ``/``-separated: the path inside the dataset or artifact folder.
    path: str
    abs_path: Path
    size: int


@dataclass(frozen=True)
class HashedFile:
    path: str
    abs_path: Path
    size: int
    sha256: str

    def entry(self) -> Dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class UploadResult:
    """Distinct blobs sent now and their bytes, and those the tenant already held (not sent)."""

    uploaded_blobs: int
    uploaded_bytes: int
    present_blobs: int
    present_bytes: int


@dataclass(frozen=True)
class DownloadResult:
    """Files downloaded now and their bytes, and those already present with the right SHA-256."""

    downloaded: int
    downloaded_bytes: int
    skipped: int


def list_files(root: Union[str, Path]) -> List[LocalFile]:
    """Every regular file below ``root`` (symlinks to files followed, to folders not), by path;
    or ``root`` itself when it is a file."""
    base = Path(root).resolve()
    if base.is_file():
        return [LocalFile(base.name, base, base.stat().st_size)]
    if not base.is_dir():
        raise invalid_argument(f"{root} does not exist")
    found = []
    for folder, dirs, names in os.walk(base):
        dirs.sort()
        for name in names:
            absolute = Path(folder, name)
            if absolute.is_file():
                found.append(LocalFile(absolute.relative_to(base).as_posix(), absolute, absolute.stat().st_size))
    return sorted(found, key=lambda file: file.path.encode("utf-8"))


def hash_file(path: Path, on_bytes: Optional[Callable[[int], None]] = None) -> Tuple[str, int]:
    """SHA-256 and size of a file, read in chunks (hashlib releases the GIL, so threads help)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return digest.hexdigest(), size


def _each(items: Sequence[T], limit: int, work: Callable[[T], Any]) -> List[Any]:
    """Runs ``work`` over ``items`` on up to ``limit`` threads; raises the first failure."""
    if not items:
        return []
    if limit <= 1 or len(items) == 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(limit, len(items)), thread_name_prefix="cairn-transfer") as pool:
        futures = [pool.submit(work, item) for item in items]
        _, waiting = wait(futures, return_when=FIRST_EXCEPTION)
        for future in waiting:
            future.cancel()  # After a failure, start nothing new; what runs finishes.
    for future in futures:
        if not future.cancelled() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]
    return [future.result() for future in futures]


def hash_files(files: Sequence[LocalFile], progress: ProgressArg = None) -> List[HashedFile]:
    """Every file hashed, in the order given."""
    meter = Progress("hashing", len(files), sum(file.size for file in files), progress)

    def one(file: LocalFile) -> HashedFile:
        sha256, size = hash_file(file.abs_path)
        meter.skip(size)
        return HashedFile(file.path, file.abs_path, size, sha256)

    hashed = _each(files, max(2, os.cpu_count() or 2), one)
    meter.finish()
    return hashed


class _TransferFailure(Exception):
    """A storage request failed; 403 is an expired URL, 0 a network failure."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    @property
    def expired(self) -> bool:
        return self.status == 403

    @property
    def transient(self) -> bool:
        return self.status in (0, 408, 429) or self.status >= 500


def _with_retries(attempts: int, attempt: Callable[[], T], resign: Callable[[], None]) -> T:
    """Runs ``attempt``, again on transient failures (backing off) and after ``resign`` on expired URLs."""
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except _TransferFailure as failure:
            if tries >= attempts or not (failure.expired or failure.transient):
                raise CairnError(
                    "client.transfer_failed",
                    str(failure),
                    status=failure.status,
                    details={"status": failure.status},
                ) from failure
            if failure.expired:
                resign()
            else:
                time.sleep(min(8.0, 0.25 * 2**tries) * (0.5 + random.random()))


class _RangeReader:
    """A file range as a request body, counting bytes as they go out."""

    def __init__(self, path: Path, start: int, length: int, on_bytes: Callable[[int], None]) -> None:
        self._stream = open(path, "rb")
        self._stream.seek(start)
        self._left = length
        self._on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        # http.client asks for 8 KiB blocks; larger ones move big files far faster.
        want = self._left if size is None or size < 0 else min(self._left, max(size, _CHUNK))
        data = self._stream.read(want) if want > 0 else b""
        self._left -= len(data)
        if data:
            self._on_bytes(len(data))
        return data

    def close(self) -> None:
        self._stream.close()


def _put_bytes(request: Mapping[str, Any], data: bytes, meter: Progress) -> Optional[str]:
    """One PUT of bytes held in memory (a part, read once to be hashed) to a presigned URL."""
    headers = {
        **request.get("headers", {}),
        "Content-Length": str(len(data)),
        "Content-Type": "application/octet-stream",
    }
    try:
        outgoing = urllib.request.Request(request["url"], data=data, method="PUT", headers=headers)
        with urllib.request.urlopen(outgoing, timeout=_STORAGE_TIMEOUT) as answer:
            answer.read()
            meter.add_bytes(len(data))
            return answer.headers.get("ETag")
    except urllib.error.HTTPError as answer:
        text = answer.read(200).decode("utf-8", "replace") if answer.fp else ""
        raise _TransferFailure(f"PUT failed with {answer.code}: {text}", answer.code) from None
    except (OSError, http.client.HTTPException) as error:
        raise _TransferFailure(f"PUT failed: {error}", 0) from None


def _read_part(path: Path, start: int, length: int) -> bytes:
    with open(path, "rb") as stream:
        stream.seek(start)
        data = stream.read(length)
    if len(data) != length:
        raise invalid_argument(f"{path} changed while it was uploaded")
    return data


def wait_for_verification(
    api: ApiClient,
    uploads: Sequence[Mapping[str, Any]],
    *,
    timeout: float = 20 * 60.0,
    progress: ProgressArg = None,
) -> None:
    """Waits until the server has verified multipart uploads (it hashes each whole blob before the
    blob counts as present), polling with backoff and showing progress as ``verifying``. A refused
    upload raises the server's reason (``blobs.checksum_mismatch``: the bytes sent were not the
    declared ones); a wait past ``timeout`` raises ``client.transfer_failed``, and pushing again
    later resumes it (the next push waits for the same verification)."""
    if not uploads:
        return
    meter = Progress("verifying", len(uploads), sum(u["size"] for u in uploads), progress)
    pending = {u["uploadId"]: u for u in uploads}
    deadline = time.monotonic() + timeout
    delay = 0.2
    while pending:
        ids = list(pending)
        for i in range(0, len(ids), 100):
            answer = api.request("POST", "/uploads/status", {"uploadIds": ids[i : i + 100]})
            for state in answer["uploads"]:
                if state["state"] == "verified":
                    meter.skip(state["size"])
                    pending.pop(state["uploadId"], None)
                elif state["state"] == "failed":
                    error = state.get("error") or {}
                    raise CairnError(
                        error.get("code", "blobs.checksum_mismatch"),
                        f"Blob {state['sha256']} was refused: {error.get('message', 'its bytes did not verify')}",
                        details={"uploadId": state["uploadId"], "sha256": state["sha256"]},
                    )
                elif state["state"] == "open":
                    raise CairnError("client.transfer_failed", f"Upload {state['uploadId']} was never completed")
        if not pending:
            break
        if time.monotonic() > deadline:
            raise CairnError(
                "client.transfer_failed",
                f"{len(pending)} blob(s) are still being verified by the server; "
                "push again later to pick up where this left off",
                details={"uploadIds": list(pending)},
            )
        time.sleep(delay)
        delay = min(5.0, delay * 1.5)
    meter.finish()


def _put(request: Mapping[str, Any], path: Path, start: int, length: int, meter: Progress) -> Optional[str]:
    """One PUT of a file range to a presigned URL; its length is signed, so it is sent, not chunked."""
    sent = [0]

    def count(n: int) -> None:
        sent[0] += n
        meter.add_bytes(n)

    headers = {
        **request.get("headers", {}),
        "Content-Length": str(length),
        "Content-Type": "application/octet-stream",
    }
    body = _RangeReader(path, start, length, count)
    try:
        outgoing = urllib.request.Request(request["url"], data=body, method="PUT", headers=headers)
        with urllib.request.urlopen(outgoing, timeout=_STORAGE_TIMEOUT) as answer:
            answer.read()
            return answer.headers.get("ETag")
    except urllib.error.HTTPError as answer:
        meter.add_bytes(-sent[0])
        text = answer.read(200).decode("utf-8", "replace") if answer.fp else ""
        raise _TransferFailure(f"PUT failed with {answer.code}: {text}", answer.code) from None
    except (OSError, http.client.HTTPException) as error:
        meter.add_bytes(-sent[0])
        raise _TransferFailure(f"PUT failed: {error}", 0) from None
    finally:
        body.close()


def upload_files(
    api: ApiClient,
    files: Sequence[HashedFile],
    *,
    multipart_threshold: Optional[int] = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    attempts: int = 4,
    progress: ProgressArg = None,
    verify_timeout: float = 20 * 60.0,
) -> UploadResult:
    """Uploads the blobs behind ``files`` that the tenant does not hold yet, each once however many
    files share it, and confirms them; the caller then records a manifest naming them. Blobs sent in
    parts carry each part's SHA-256 (signed into its URL) and are waited for until the server has
    verified the whole blob. Running it again after an interruption sends only what is still
    missing."""
    meter = Progress("uploading", len(files), sum(file.size for file in files), progress)
    distinct: Dict[str, HashedFile] = {}
    for file in files:
        if file.sha256 in distinct:
            meter.skip(file.size)  # Same content as another file: its blob is sent once.
        else:
            distinct[file.sha256] = file
    totals = {"uploaded_blobs": 0, "uploaded_bytes": 0, "present_blobs": 0, "present_bytes": 0}

    def declare(blobs: Sequence[HashedFile]) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"blobs": [{"sha256": blob.sha256, "size": blob.size} for blob in blobs]}
        if multipart_threshold:
            body["multipartThreshold"] = multipart_threshold
        return api.request("POST", "/uploads", body)["blobs"]

    batches: List[List[HashedFile]] = [[]]
    batch_bytes = 0
    for file in distinct.values():
        if len(batches[-1]) >= _DECLARE_BATCH or batch_bytes >= _DECLARE_BATCH_BYTES:
            batches.append([])
            batch_bytes = 0
        batches[-1].append(file)
        batch_bytes += file.size

    for batch in batches:
        if not batch:
            continue
        by_sha = {file.sha256: file for file in batch}
        # Declared just before its turn, so the URLs are fresh.
        plans = declare(batch)
        singles: List[Tuple[HashedFile, Dict[str, Any]]] = []
        multiparts: List[Tuple[HashedFile, Dict[str, Any]]] = []
        verifying: List[Dict[str, Any]] = []
        for plan in plans:
            file = by_sha[plan["sha256"]]
            if plan["status"] in ("present", "verifying"):
                # Being verified from an earlier push: nothing to send, only to wait for.
                if plan["status"] == "verifying":
                    verifying.append(plan)
                totals["present_blobs"] += 1
                totals["present_bytes"] += file.size
                meter.skip(file.size)
            elif plan["status"] == "put":
                singles.append((file, plan))
            else:
                multiparts.append((file, plan))

        confirmed: List[Dict[str, Any]] = []

        def send_single(item: Tuple[HashedFile, Dict[str, Any]]) -> Tuple[HashedFile, bool]:
            file, first = item
            state = {"plan": first}

            def attempt() -> None:
                plan = state["plan"]
                if plan["status"] == "put":
                    _put(plan["request"], file.abs_path, 0, file.size, meter)

            def resign() -> None:
                state["plan"] = declare([file])[0]

            _with_retries(attempts, attempt, resign)
            return file, state["plan"]["status"] == "put"

        def send_parts(file: HashedFile, plan: Dict[str, Any]) -> List[Dict[str, Any]]:
            """Reads, hashes and sends a blob's parts a group at a time (the group's URLs signed in one
            request, each with its part's SHA-256), so at most ``concurrency`` parts sit in memory."""
            sent: List[Dict[str, Any]] = []
            numbers = list(range(1, plan["partCount"] + 1))
            for offset in range(0, len(numbers), max(1, concurrency)):
                group = numbers[offset : offset + max(1, concurrency)]

                def read(number: int) -> Tuple[int, bytes, str]:
                    start = (number - 1) * plan["partSize"]
                    data = _read_part(file.abs_path, start, min(plan["partSize"], file.size - start))
                    return number, data, hashlib.sha256(data).hexdigest()

                parts = _each(group, concurrency, read)

                def sign(numbers_and_digests: Sequence[Tuple[int, str]]) -> Dict[int, Dict[str, Any]]:
                    body = {
                        "uploadId": plan["uploadId"],
                        "parts": [{"partNumber": n, "sha256": digest} for n, digest in numbers_and_digests],
                    }
                    return {part["partNumber"]: part for part in api.request("POST", "/uploads/parts", body)["parts"]}

                urls = sign([(number, digest) for number, _, digest in parts])

                def put(item: Tuple[int, bytes, str]) -> Dict[str, Any]:
                    number, data, digest = item

                    def resign() -> None:
                        urls.update(sign([(number, digest)]))

                    etag = _with_retries(attempts, lambda: _put_bytes(urls[number], data, meter), resign)
                    if not etag:
                        raise CairnError(
                            "client.transfer_failed", f"The store returned no ETag for part {number} of {file.path}"
                        )
                    return {"partNumber": number, "etag": etag, "sha256": digest}

                sent.extend(_each(parts, concurrency, put))
            return sent

        try:
            for file, was_put in _each(singles, concurrency, send_single):
                totals["uploaded_blobs"] += 1
                totals["uploaded_bytes"] += file.size
                meter.file_done()
                if was_put:
                    confirmed.append({"sha256": file.sha256, "size": file.size})
            sent_parts: Dict[str, List[Dict[str, Any]]] = {}
            for file, plan in multiparts:
                sent_parts[plan["uploadId"]] = send_parts(file, plan)
        except BaseException:
            # Leave no half-built upload behind; the bucket's lifecycle rule would, a day later.
            for _, plan in multiparts:
                try:
                    api.request("POST", "/uploads/abort", {"uploadId": plan["uploadId"]})
                except CairnError:
                    pass
            raise
        for file, _ in multiparts:
            totals["uploaded_blobs"] += 1
            totals["uploaded_bytes"] += file.size
            meter.file_done()

        # Confirmed per batch, so that an interrupted upload has recorded most of what it sent.
        for i in range(0, len(confirmed), _COMPLETE_BATCH["blobs"]):
            api.request("POST", "/uploads/complete", {"blobs": confirmed[i : i + _COMPLETE_BATCH["blobs"]]})
        assembled = [
            {"uploadId": plan["uploadId"], "parts": sorted(sent_parts[plan["uploadId"]], key=lambda p: p["partNumber"])}
            for _, plan in multiparts
        ]
        for i in range(0, len(assembled), _COMPLETE_BATCH["multipart"]):
            some = assembled[i : i + _COMPLETE_BATCH["multipart"]]
            verifying.extend(api.request("POST", "/uploads/complete", {"multipart": some})["verifying"])
        # Blobs sent in parts become blobs once the server has hashed them: the manifest waits for that.
        wait_for_verification(api, verifying, timeout=verify_timeout, progress=progress)

    meter.finish()
    return UploadResult(**totals)


def target_path(dest: Union[str, Path], path: str) -> Path:
    """``dest/path``, refusing any path that would land outside ``dest`` (the server's word is not enough)."""
    root = Path(dest).resolve()
    target = root.joinpath(*path.split("/")).resolve()
    if path.startswith("/") or "\\" in path or root not in target.parents:
        raise invalid_argument(f'Refusing to write "{path}" outside {root}')
    return target


def _already_there(target: Path, entry: Mapping[str, Any]) -> bool:
    try:
        if not target.is_file() or target.stat().st_size != entry["size"]:
            return False
    except OSError:
        return False
    return hash_file(target)[0] == entry["sha256"]


def _fetch_into(url: str, target: Path, entry: Mapping[str, Any], meter: Progress) -> None:
    """GETs one file into a temporary sibling, verifying size and SHA-256, then renames it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.cairn-partial-{uuid.uuid4().hex[:8]}")
    received = 0
    try:
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=_STORAGE_TIMEOUT) as answer, open(temporary, "wb") as out:
                while True:
                    chunk = answer.read(_CHUNK)
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
                    meter.add_bytes(len(chunk))
        except urllib.error.HTTPError as answer:
            raise _TransferFailure(f"GET {entry['path']} failed with {answer.code}", answer.code) from None
        except (OSError, http.client.HTTPException) as error:
            raise _TransferFailure(f"GET {entry['path']} broke off: {error}", 0) from None
        actual = digest.hexdigest()
        if received != entry["size"] or actual != entry["sha256"]:
            raise CairnError(
                "client.checksum_mismatch",
                f"{entry['path']}: received {received} bytes with SHA-256 {actual}; "
                f"expected {entry['size']} bytes with {entry['sha256']}",
                details={"path": entry["path"], "expected": entry["sha256"], "actual": actual},
            )
        os.replace(temporary, target)
    except BaseException:
        meter.add_bytes(-received)
        try:
            temporary.unlink()
        except FileNotFoundError:
            pass
        raise


def download_files(
    files: Sequence[Mapping[str, Any]],
    dest: Union[str, Path],
    urls_for: Callable[[List[str]], Dict[str, str]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    attempts: int = 4,
    progress: ProgressArg = None,
) -> DownloadResult:
    """Downloads ``files`` (``{path, sha256, size}``) into ``dest`` in parallel. A file already there
    with the right SHA-256 is kept; a stale or corrupted one is replaced. ``urls_for(paths)`` gives
    presigned GET URLs, asked for just before use (they expire) and again after an expiry."""
    targets = [(entry, target_path(dest, entry["path"])) for entry in files]
    meter = Progress("downloading", len(files), sum(entry["size"] for entry in files), progress)

    def check(item: Tuple[Mapping[str, Any], Path]) -> bool:
        present = _already_there(item[1], item[0])
        if present:
            meter.skip(item[0]["size"])
        return present

    present = _each(targets, max(2, os.cpu_count() or 2), check)
    needed = [item for item, there in zip(targets, present) if not there]
    skipped = len(targets) - len(needed)
    downloaded_bytes = 0

    for offset in range(0, len(needed), 1000):
        batch = needed[offset : offset + 1000]
        urls = urls_for([entry["path"] for entry, _ in batch])

        def one(item: Tuple[Mapping[str, Any], Path]) -> None:
            entry, target = item

            def resign() -> None:
                urls.update(urls_for([entry["path"]]))

            def once() -> None:
                _with_retries(attempts, lambda: _fetch_into(urls[entry["path"]], target, entry, meter), resign)

            try:
                once()
            except CairnError as error:
                # Bytes corrupted in transit are worth one more try; a store serving other bytes is not.
                if error.code != "client.checksum_mismatch":
                    raise
                once()
            meter.file_done()

        _each(batch, concurrency, one)
        downloaded_bytes += sum(entry["size"] for entry, _ in batch)

    meter.finish()
    return DownloadResult(downloaded=len(needed), downloaded_bytes=downloaded_bytes, skipped=skipped)


def hash_and_upload(
    api: ApiClient,
    local: Union[str, Path],
    *,
    multipart_threshold: Optional[int] = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressArg = None,
    files: Optional[Iterable[LocalFile]] = None,
) -> Tuple[List[HashedFile], UploadResult]:
    """Lists, hashes and uploads a folder (or one file); returns every file with its digest, for
    the manifest the caller records next."""
    found = list(files) if files is not None else list_files(local)
    hashed = hash_files(found, progress=progress)
    upload = upload_files(
        api, hashed, multipart_threshold=multipart_threshold, concurrency=concurrency, progress=progress
    )
    return hashed, upload
