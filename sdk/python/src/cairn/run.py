"""A run being logged to: metric points, params and tags buffered and sent by background threads."""

from __future__ import annotations

import html
import math
import operator
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Mapping, Optional, Set, Tuple, Union

from . import exit_hook
from .errors import CairnError, invalid_argument
from .progress import ProgressArg
from .records import RunInput, RunRecord
from .transfers import UploadResult

if TYPE_CHECKING:
    from .client import Client

#: The batch endpoint's limits per request (MLflow's); ``entities`` caps the three together.
BATCH_LIMITS = {"metrics": 1000, "params": 100, "tags": 100, "entities": 1000}

ParamValue = Union[str, int, float, bool]
_Point = Tuple[str, float, int, int]
_MAX_KEY_LENGTH = 250


@dataclass(frozen=True)
class BufferOptions:
    """How a run buffers metric points before sending them.

    Attributes:
        flush_interval: partial batches are sent this many seconds after their first point.
        batch_size: points per request, at most 1,000 (the server's limit).
        high_water_mark: ``run.log`` returns False while at least this many points wait to be
            sent: a hint to call ``run.flush()`` before logging more.
        max_buffered_points: the most points a run holds in memory. Beyond it each new point
            replaces the oldest unsent one, so ``log`` never blocks and memory never grows without
            bound (about 17 MB at the default). Dropped points are counted in ``run.stats.dropped``.
        max_in_flight: metric batches of one run in flight at once (one sender thread each).
    """

    flush_interval: float = 1.0
    batch_size: int = 1000
    high_water_mark: int = 10_000
    max_buffered_points: int = 100_000
    max_in_flight: int = 4


@dataclass(frozen=True)
class RunStats:
    """What happened to the points a run handle logged."""

    #: Points accepted by ``log``.
    logged: int
    #: Points the server confirmed.
    sent: int
    #: Points replaced while the buffer was full.
    dropped: int
    #: Points in batches that failed for good (their errors are raised by ``flush``/``end``).
    failed: int
    #: Points waiting to be sent.
    buffered: int


def _check_key(kind: str, key: Any) -> str:
    if not isinstance(key, str):
        raise invalid_argument(f"A {kind} key must be a string, got {type(key).__name__}")
    if not key:
        raise invalid_argument(f"A {kind} key must not be empty")
    if len(key) > _MAX_KEY_LENGTH:
        raise invalid_argument(f"{kind} key is over {_MAX_KEY_LENGTH} characters: {key[:40]}…")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise invalid_argument(f"{kind} key {key!r} contains control characters")
    return key


def _metric_value(key: str, value: Any) -> float:
    # Numbers, numpy scalars and one-element tensors all convert; strings would too, and must not.
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise invalid_argument(f"metric {key}: value must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise invalid_argument(f"metric {key}: value must be a number, got {value!r:.40}") from None


def wire_value(value: float) -> Union[float, str]:
    """JSON has no NaN or infinities: they travel as the strings MLflow uses."""
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # As the TypeScript client sends String(true).
    return str(value)


def _batch_id() -> str:
    return uuid.uuid4().hex


class _Failure:
    def __init__(self, error: BaseException, points: int, what: str) -> None:
        self.error = error
        self.points = points
        self.what = what


class Run:
    """A run being logged to; get one from ``cairn.start_run`` or ``cairn.resume_run``.

    ``log``, ``log_params`` and ``set_tags`` return at once: what they record is buffered and sent
    by background threads, metric points in batches of up to 1,000 as batches fill and every
    second, params and tags in batches of their own (so a rejected param never takes metric points
    down with it). Every batch carries a fresh id, so a retried batch is never logged twice.

    A batch that fails for good (a 4xx, or a network failure that outlives the retries) is raised
    by the next ``flush()`` or ``end()``, never swallowed. What is still buffered when the
    interpreter exits is delivered first; ``os._exit`` and fatal signals cannot be intercepted.

    Used as a context manager the run ends when the block does: ``FINISHED``, or ``FAILED`` when
    the block raises (``KILLED`` on Ctrl-C), and the exception propagates.

    Example::

        with cairn.start_run(experiment="iris", params={"n_estimators": 100}) as run:
            for step in range(100):
                run.log({"loss": 1 / (step + 1)}, step=step)
    """

    def __init__(self, client: "Client", record: RunRecord, buffer: BufferOptions) -> None:
        self._client = client
        #: The run as the server answered when this handle was made (not kept up to date).
        self.record: RunRecord = record
        #: 32 hex characters.
        self.id: str = record["id"]
        self.experiment_id: str = record["experimentId"]
        self.name: str = record["name"]
        self._batch_size = max(1, min(BATCH_LIMITS["metrics"], int(buffer.batch_size)))
        self._high_water_mark = buffer.high_water_mark
        self._max_buffered = max(1, int(buffer.max_buffered_points))
        self._max_in_flight = max(1, int(buffer.max_in_flight))
        self._interval = buffer.flush_interval

        # One lock, two conditions: senders wait for work, flushers for delivery, so waking one
        # kind never spends the signal on the other.
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._done = threading.Condition(self._lock)
        self._points: Deque[_Point] = deque()
        # Points are numbered in logging order: `_head` is the number of the oldest point still
        # held, `_tail` the number the next one gets. Sent and dropped points lie below `_head`.
        self._head = 0
        self._tail = 0
        self._dropped = 0
        self._dropped_reported = 0
        self._warned_dropping = False
        self._sent = 0
        self._failed = 0
        self._failures: List[_Failure] = []
        # Partial batches may be cut while `_head` is below this; `_deadline` moves it forward.
        self._flush_target = 0
        self._deadline: Optional[float] = None
        self._in_flight: Dict[int, int] = {}
        self._workers = 0
        self._accepting = True
        self._released = False
        self._end_lock = threading.Lock()
        self._ended: Optional[RunRecord] = None

        # Keys already checked: the check costs more than the rest of `log`.
        self._metric_keys: Set[str] = set()
        # Params logged through this handle (and at creation): another value is refused at once.
        self._params: Dict[str, str] = dict(record.get("params") or {})
        self._pending_params: Dict[str, str] = {}
        self._pending_tags: Dict[str, str] = {}
        # Each log_params/set_tags call takes a number; a flush waits until its number is settled.
        self._meta_seq = 0
        self._meta_settled = 0
        self._meta_in_flight = False
        exit_hook.watch(self)

    # ---- logging -------------------------------------------------------------------------------

    def log(
        self, values: Mapping[str, Any], step: int = 0, timestamp: Optional[Union[int, float]] = None
    ) -> bool:
        """Records metric values at one step, without waiting: the points are buffered and sent in
        the background. ``step`` is an integer (default 0, as in MLflow); ``timestamp`` is
        milliseconds since the epoch (default now).

        Returns False when the buffer is past its high-water mark (the server is not keeping up):
        call ``run.flush()`` before logging more if no point may be dropped.

        Example::

            run.log({"loss": 0.31, "accuracy": 0.92}, step=10)
        """
        try:
            step = operator.index(step)
        except TypeError:
            raise invalid_argument(f"step must be an integer, got {step!r}") from None
        if timestamp is None:
            stamp = int(time.time() * 1000)
        else:
            number = isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool)
            if not number or not math.isfinite(timestamp):
                raise invalid_argument(f"timestamp must be milliseconds since the epoch, got {timestamp!r}")
            stamp = int(round(timestamp))
        known = self._metric_keys
        points = []
        for key, value in values.items():
            if key not in known:
                known.add(_check_key("metric", key))
            points.append((key, value if type(value) is float else _metric_value(key, value), stamp, step))
        with self._lock:
            if not self._accepting:
                raise self._ended_error()
            buffer = self._points
            was_empty = not buffer
            for point in points:
                if len(buffer) >= self._max_buffered:
                    buffer.popleft()
                    self._head += 1
                    self._dropped += 1
                buffer.append(point)
                self._tail += 1
            size = len(buffer)
            if self._workers == 0:
                self._spawn_worker()
            # Wake a sender only on the transitions it waits for, not on every call.
            if size >= self._batch_size and size - len(points) < self._batch_size:
                self._work.notify()
            elif was_empty and size and self._deadline is None:
                self._deadline = time.monotonic() + self._interval
                self._work.notify()
            dropping = self._dropped and not self._warned_dropping
            if dropping:
                self._warned_dropping = True
        if dropping:
            self._client._warn(
                f"cairn: run {self.id} holds {self._max_buffered} unsent points, so the oldest are being "
                "dropped: the server is slow or unreachable. Call run.flush() now and then (log returns "
                "False when it is time), or raise BufferOptions.max_buffered_points."
            )
        return size < self._high_water_mark

    def log_metric(
        self, key: str, value: Any, step: int = 0, timestamp: Optional[Union[int, float]] = None
    ) -> bool:
        """``log`` for one metric."""
        return self.log({key: value}, step=step, timestamp=timestamp)

    def log_params(self, params: Mapping[str, ParamValue]) -> None:
        """Records params (immutable once logged; the same value again is a no-op). A different
        value for a key this handle already logged raises ``runs.param_conflict`` at once; a
        conflict only the server can see is raised by the next ``flush()``/``end()``."""
        entries = []
        with self._lock:
            if not self._accepting:
                raise self._ended_error()
            for key, raw in params.items():
                _check_key("param", key)
                value = param_text(raw)
                known = self._params.get(key)
                if known is not None and known != value:
                    raise CairnError(
                        "runs.param_conflict",
                        f"Param {key} is already {known!r}; params cannot change",
                        details={"key": key, "existing": known, "attempted": value},
                    )
                if known is None:
                    entries.append((key, value))
            if not entries:
                return
            for key, value in entries:
                self._params[key] = value
                self._pending_params[key] = value
            self._meta_changed()

    def log_param(self, key: str, value: ParamValue) -> None:
        """``log_params`` for one param."""
        self.log_params({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Sets tags (the last value of a key wins), sent in the background like params."""
        with self._lock:
            if not self._accepting:
                raise self._ended_error()
            for key in tags:
                _check_key("tag", key)
            if not tags:
                return
            for key, value in tags.items():
                self._pending_tags[key] = str(value)
            self._meta_changed()

    def set_tag(self, key: str, value: Any) -> None:
        """``set_tags`` for one tag."""
        self.set_tags({key: value})

    def delete_tag(self, key: str) -> None:
        """Deletes a tag, after whatever was set before it has been delivered."""
        self.flush()
        self._client.delete_run_tag(self.id, key)

    def _meta_changed(self) -> None:
        self._meta_seq += 1
        if self._workers == 0:
            self._spawn_worker()
        self._work.notify()

    # ---- delivery ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Waits until everything logged before this call has been delivered, or has failed for
        good; then raises the first failure since the last ``flush()`` (once), with how many
        points were lost in ``error.details["lostPoints"]``."""
        self._wait(None)
        self._report_dropped()
        self._raise_failures()

    def end(self, status: str = "FINISHED") -> RunRecord:
        """Delivers what is buffered, then marks the run ended (``FINISHED`` unless told otherwise:
        ``FAILED``, ``KILLED``) with the current time. The run is ended even when delivery failed;
        that failure is raised after. Calling it again returns the first answer."""
        with self._end_lock:
            if self._ended is not None:
                return self._ended
            with self._lock:
                self._accepting = False
            failure: Optional[BaseException] = None
            try:
                self.flush()
            except Exception as error:  # noqa: BLE001 - raised below, once the run is ended
                failure = error
            finally:
                self._release()
            self._ended = self._client.update_run(self.id, status=status, end_time=int(time.time() * 1000))
        if failure is not None:
            raise failure
        return self._ended

    def close(self) -> None:
        """Delivers what is buffered and stops logging through this handle, without ending the run
        (it stays as it is on the server, e.g. ``RUNNING`` for another process to resume)."""
        with self._lock:
            self._accepting = False
        try:
            self.flush()
        finally:
            self._release()

    @property
    def stats(self) -> RunStats:
        """What happened to the points logged so far."""
        with self._lock:
            return RunStats(
                logged=self._tail,
                sent=self._sent,
                dropped=self._dropped,
                failed=self._failed,
                buffered=len(self._points),
            )

    @property
    def has_pending(self) -> bool:
        """Whether anything is buffered, in flight, or failed and not yet raised."""
        with self._lock:
            return bool(
                self._points
                or self._in_flight
                or self._pending_params
                or self._pending_tags
                or self._meta_in_flight
                or self._failures
            )

    def _wait(self, timeout: Optional[float]) -> bool:
        with self._lock:
            target, meta_target = self._tail, self._meta_seq
            self._flush_target = max(self._flush_target, target)
            if not self._settled(target, meta_target) and self._workers == 0:
                self._spawn_worker()
            self._work.notify_all()
            return self._done.wait_for(lambda: self._settled(target, meta_target), timeout)

    def _settled(self, target: int, meta_target: int) -> bool:
        if self._head < target or self._meta_settled < meta_target:
            return False
        return all(start >= target for start in self._in_flight)

    def _release(self) -> None:
        with self._lock:
            self._accepting = False
            self._released = True
            self._work.notify_all()  # Idle senders see there is nothing left and exit.
        exit_hook.unwatch(self)
        self._client._released(self)

    def _ended_error(self) -> CairnError:
        return CairnError(
            "client.run_ended",
            f"Run {self.id} has ended (or its handle was closed); start or resume a run to log more",
        )

    def _report_dropped(self) -> None:
        with self._lock:
            dropped = self._dropped - self._dropped_reported
            self._dropped_reported = self._dropped
        if dropped:
            self._client._warn(f"cairn: run {self.id}: {dropped} metric points were dropped (buffer full)")

    def _raise_failures(self) -> None:
        with self._lock:
            failures, self._failures = self._failures, []
        if not failures:
            return
        first = failures[0].error
        if not isinstance(first, CairnError):
            raise first
        lost = sum(failure.points for failure in failures)
        what = ", ".join(failure.what for failure in failures)
        raise CairnError(
            first.code,
            f"Run {self.id}: not delivered ({what}): {first.message}",
            status=first.status,
            details={**(first.details or {}), "failedBatches": len(failures), "lostPoints": lost},
            request_id=first.request_id,
        ) from first

    # ---- sender threads ------------------------------------------------------------------------

    def _spawn_worker(self) -> None:
        # Called with the lock held. Daemon threads: an idle sender must never keep Python alive;
        # the exit hook delivers what is left while they still run.
        self._workers += 1
        thread = threading.Thread(target=self._sender, name=f"cairn-run-{self.id[:8]}", daemon=True)
        thread.start()

    def _sender(self) -> None:
        while True:
            with self._lock:
                while True:
                    job = self._next_job()
                    if job is not None:
                        break
                    if self._released and not self._points and not self._pending_params and not self._pending_tags:
                        self._workers -= 1
                        return
                    timeout = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
                    self._work.wait(timeout)
            job()

    def _next_job(self) -> Any:
        """The next request to send, or None; called with the lock held."""
        now = time.monotonic()
        if self._deadline is not None and now >= self._deadline:
            # Everything logged until now may go, in partial batches if need be.
            self._deadline = None
            self._flush_target = max(self._flush_target, self._tail)
        buffer = self._points
        if buffer and len(self._in_flight) < self._max_in_flight and (
            len(buffer) >= self._batch_size or self._head < self._flush_target
        ):
            count = min(len(buffer), self._batch_size)
            start = self._head
            batch = [buffer.popleft() for _ in range(count)]
            self._head += count
            self._in_flight[start] = count
            more = buffer and (len(buffer) >= self._batch_size or self._head < self._flush_target)
            if more and len(self._in_flight) < self._max_in_flight and self._workers < self._max_in_flight:
                self._spawn_worker()
            if buffer and self._deadline is None and self._accepting:
                self._deadline = now + self._interval
            return lambda: self._send_metrics(start, batch)
        if not self._meta_in_flight and (self._pending_params or self._pending_tags):
            params = _take(self._pending_params, BATCH_LIMITS["params"])
            tags = _take(self._pending_tags, BATCH_LIMITS["tags"])
            complete = not self._pending_params and not self._pending_tags
            settles = self._meta_seq if complete else self._meta_settled
            self._meta_in_flight = True
            return lambda: self._send_meta(params, tags, settles)
        if buffer and self._deadline is None:
            self._deadline = now + self._interval
        return None

    def _send_metrics(self, start: int, batch: List[_Point]) -> None:
        metrics = [
            {"key": key, "value": wire_value(value), "timestamp": stamp, "step": step}
            for key, value, stamp, step in batch
        ]
        failure: Optional[BaseException] = None
        try:
            # The batch id makes a repeat harmless: the server logs a batch id once.
            self._client._post_batch(self.id, {"batchId": _batch_id(), "metrics": metrics})
        except BaseException as error:  # noqa: BLE001 - kept and raised by flush(), never lost
            failure = error
        with self._lock:
            del self._in_flight[start]
            if failure is None:
                self._sent += len(batch)
            else:
                self._failed += len(batch)
                self._failures.append(_Failure(failure, len(batch), f"{len(batch)} metric points"))
            self._done.notify_all()

    def _send_meta(self, params: List[Tuple[str, str]], tags: List[Tuple[str, str]], settles: int) -> None:
        body: Dict[str, Any] = {"batchId": _batch_id()}
        if params:
            body["params"] = [{"key": k, "value": v} for k, v in params]
        if tags:
            body["tags"] = [{"key": k, "value": v} for k, v in tags]
        failure: Optional[BaseException] = None
        try:
            self._client._post_batch(self.id, body)
        except BaseException as error:  # noqa: BLE001 - kept and raised by flush(), never lost
            failure = error
        with self._lock:
            if failure is not None:
                what = " and ".join(
                    part for part in (params and f"{len(params)} params", tags and f"{len(tags)} tags") if part
                )
                self._failures.append(_Failure(failure, 0, what))
            self._meta_in_flight = False
            self._meta_settled = max(self._meta_settled, settles)
            self._done.notify_all()

    # ---- artifacts and lineage -------------------------------------------------------------------

    def log_artifacts(
        self,
        local_dir: Union[str, Path],
        artifact_path: Optional[str] = None,
        *,
        progress: ProgressArg = None,
    ) -> UploadResult:
        """Uploads every file below a local folder, keeping its layout, and records them as the
        run's artifacts under ``artifact_path``: by default the folder's own name, so
        ``run.log_artifacts("model/")`` makes the run's ``model/``; pass ``""`` for the root.
        Only blobs the tenant does not hold yet are sent (presigned uploads, verified by SHA-256).
        """
        return self._client.log_artifacts(self.id, local_dir, artifact_path, progress=progress)

    def log_artifact(
        self, local_file: Union[str, Path], artifact_path: str = "", *, progress: ProgressArg = None
    ) -> UploadResult:
        """Uploads one file as ``<artifact_path>/<its name>``."""
        return self._client.log_artifact(self.id, local_file, artifact_path, progress=progress)

    def use_dataset(
        self, name: str, version: Union[int, str, None] = None, context: str = "training"
    ) -> RunInput:
        """Records that this run used a dataset version (lineage): ``version`` is a number, a tag,
        or None for the latest; ``context`` says what for (``training``, ``validation``…)."""
        return self._client.use_dataset(self.id, name, version=version, context=context)

    # ---- presentation ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The run's page in the dashboard."""
        return self._client.run_url(self.id)

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None:
            self.end("FINISHED")
            return
        status = "KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED"
        try:
            self.end(status)
        except Exception as error:  # noqa: BLE001 - the block's own exception is the one to see
            print(f"cairn: run {self.id}: while ending it as {status}: {error}", file=sys.stderr)
        # Returning None lets the block's exception propagate.

    def __repr__(self) -> str:
        return f"<cairn.Run {self.name!r} id={self.id} experiment={self.experiment_id}>"

    def _repr_html_(self) -> str:
        stats = self.stats
        state = "ended" if self._ended is not None else "logging"
        return (
            f'<div>Cairn run <a href="{html.escape(self.url)}" target="_blank" rel="noopener">'
            f"<b>{html.escape(self.name)}</b></a> <code>{html.escape(self.id)}</code> "
            f"(experiment {html.escape(self.experiment_id)}, {state}: {stats.sent}/{stats.logged} "
            "points sent)</div>"
        )


def _take(pending: Dict[str, str], limit: int) -> List[Tuple[str, str]]:
    taken = []
    for key in list(pending)[:limit]:
        taken.append((key, pending.pop(key)))
    return taken
