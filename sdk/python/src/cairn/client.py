"""The Cairn client: connection, runs and experiments, artifacts; datasets and models hang off it."""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Union
from urllib.parse import quote

from .config import Connection, resolve_connection
from .datasets import Datasets
from .errors import CairnError, invalid_argument
from .models import Models
from .progress import ProgressArg
from .records import Experiment, MetricPoint, RunInput, RunRecord
from .run import BATCH_LIMITS, BufferOptions, ParamValue, Run, param_text, wire_value
from .transfers import (
    DEFAULT_CONCURRENCY,
    DownloadResult,
    UploadResult,
    download_files,
    hash_and_upload,
    list_files,
)
from .transport import QueryValue, RetryPolicy, Transport


def seg(text: str) -> str:
    """One URL path segment."""
    return quote(str(text), safe="")


def _number(value: Any) -> float:
    # float() reads the strings the server sends for values JSON cannot hold: "NaN", "Infinity".
    return float(value)


def _run_from_wire(run: Dict[str, Any]) -> RunRecord:
    for latest in (run.get("metrics") or {}).values():
        latest["value"] = _number(latest["value"])
    return run  # type: ignore[return-value]


#: Files per artifact-logging request: well inside the API's 1 MB body limit for ordinary paths.
_FILES_PER_REQUEST = 2000


class Experiments:
    """Experiments by id or name."""

    def __init__(self, client: "Client") -> None:
        self._client = client

    def list(
        self, filter: Optional[str] = None, max_results: Optional[int] = None, page_token: Optional[str] = None
    ) -> Dict[str, Any]:
        """One page: ``{"experiments": [...], "nextPageToken"?: ...}``."""
        return self._client.request(
            "GET", "/experiments", query={"filter": filter, "maxResults": max_results, "pageToken": page_token}
        )

    def get(self, experiment_id: str) -> Experiment:
        return self._client.request("GET", f"/experiments/{seg(experiment_id)}")["experiment"]

    def get_by_name(self, name: str) -> Experiment:
        """Raises ``experiments.not_found`` when there is none."""
        return self._client.request("GET", "/experiments/by-name", query={"name": name})["experiment"]

    def create(
        self, name: str, description: Optional[str] = None, tags: Optional[Mapping[str, str]] = None
    ) -> Experiment:
        body: Dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        if tags:
            body["tags"] = dict(tags)
        return self._client.request("POST", "/experiments", body)["experiment"]

    def ensure(self, name: str) -> Experiment:
        """The experiment called ``name``, created when it does not exist yet."""
        try:
            return self.get_by_name(name)
        except CairnError as error:
            if error.code != "experiments.not_found":
                raise
        try:
            return self.create(name)
        except CairnError as error:
            # Someone else created it between our two calls: theirs is as good as ours.
            if error.code != "experiments.already_exists":
                raise
            return self.get_by_name(name)


class Client:
    """A connection to one Cairn server and tenant.

    Settings, first found wins: the arguments; ``CAIRN_URL`` / ``CAIRN_API_KEY``; ``local.json``
    as ``npm start`` writes it (``<CAIRN_DATA_DIR>/local.json`` when that is set, else the nearest
    ``.cairn/local.json`` walking up from the working folder; its keys are used only with the URL
    written beside them).

    Example::

        client = cairn.Client()                       # or Client(url=..., api_key=...)
        with client.start_run(experiment="iris") as run:
            run.log({"accuracy": 0.93}, step=1)
        client.data.push("data/", name="iris")
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        operator_key: Optional[str] = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        headers: Optional[Mapping[str, str]] = None,
        buffer: BufferOptions = BufferOptions(),
        dashboard_url: Optional[str] = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        warn: Any = None,
    ) -> None:
        """``retry`` and ``timeout`` (seconds per attempt) apply to API requests; ``buffer`` to how
        runs batch their points; ``dashboard_url`` (default the server's URL, or
        ``CAIRN_DASHBOARD_URL``) to the links runs show in notebooks; ``concurrency`` to transfers;
        ``warn`` (default: a line on stderr) receives warnings such as dropped points."""
        self._connection: Connection = resolve_connection(url, api_key, operator_key)
        #: The server's base URL.
        self.url: str = self._connection.url
        self.dashboard_url: str = (dashboard_url or os.environ.get("CAIRN_DASHBOARD_URL") or self.url).rstrip("/")
        self._transport = Transport(self.url, retry=retry, timeout=timeout, headers=headers)
        self._buffer = buffer
        self._concurrency = concurrency
        self._warn_sink = warn
        self._runs: Set[Run] = set()
        self._runs_lock = threading.Lock()
        self.experiments = Experiments(self)
        #: Datasets: push a folder as a version, pull a version into a folder.
        self.data = Datasets(lambda: self)
        #: The model registry: register, promote, download.
        self.models = Models(lambda: self)

    def __repr__(self) -> str:
        return f"<cairn.Client {self.url}>"

    # ---- plumbing --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Optional[Mapping[str, QueryValue]] = None,
        idempotent: Optional[bool] = None,
    ) -> Any:
        """Any route below ``/api/v1`` with this client's key, retries and errors, for routes the
        client does not wrap. ``path`` must already be URL-encoded. A POST is retried only when
        the server refused it, unless ``idempotent=True`` says repeating it is harmless."""
        token = self._connection.api_key
        if not token:
            raise CairnError(
                "client.not_configured",
                f"No API key for {self.url}: pass api_key= or set CAIRN_API_KEY",
            )
        return self._transport.request(method, path, query=query, body=body, token=token, idempotent=idempotent)

    def _post_batch(self, run_id: str, body: Dict[str, Any]) -> None:
        self.request("POST", f"/runs/{seg(run_id)}/log", body, idempotent=True)

    def _warn(self, message: str) -> None:
        if self._warn_sink is not None:
            self._warn_sink(message)
        else:
            print(message, file=sys.stderr)

    def _released(self, run: Run) -> None:
        with self._runs_lock:
            self._runs.discard(run)

    def run_url(self, run_id: str) -> str:
        """A run's page in the dashboard."""
        return f"{self.dashboard_url}/run/?id={seg(run_id)}"

    def tenant(self) -> Dict[str, Any]:
        """The tenant the API key belongs to, and who the key is: ``{"tenant", "caller"}``."""
        return self.request("GET", "/tenant")

    # ---- runs ------------------------------------------------------------------------------------

    def start_run(
        self,
        experiment: Optional[str] = None,
        *,
        experiment_id: Optional[str] = None,
        name: Optional[str] = None,
        params: Optional[Mapping[str, ParamValue]] = None,
        tags: Optional[Mapping[str, str]] = None,
        start_time: Optional[int] = None,
        parent_run_id: Optional[str] = None,
    ) -> Run:
        """Creates a run and returns a handle to log to it. ``experiment`` names an experiment that
        is created when it does not exist yet; neither it nor ``experiment_id``: ``Default``.

        Example::

            with client.start_run(experiment="iris", name="rf-100", params={"n_estimators": 100}) as run:
                run.log({"loss": 0.5}, step=1)
        """
        if experiment is not None and experiment_id is not None:
            raise invalid_argument("Pass experiment (a name) or experiment_id, not both")
        if experiment_id is None:
            experiment_id = "0" if experiment is None else self.experiments.ensure(experiment)["id"]
        body: Dict[str, Any] = {"experimentId": experiment_id}
        if name is not None:
            body["name"] = name
        if tags:
            body["tags"] = {key: str(value) for key, value in tags.items()}
        if params:
            body["params"] = {key: param_text(value) for key, value in params.items()}
        if start_time is not None:
            body["startTime"] = int(start_time)
        if parent_run_id is not None:
            body["parentRunId"] = parent_run_id
        return self._handle(self.request("POST", "/runs", body)["run"])

    def resume_run(self, run_id: str) -> Run:
        """A logging handle for an existing run, e.g. one started by another process."""
        return self._handle(self.get_run(run_id))

    def _handle(self, record: Dict[str, Any]) -> Run:
        run = Run(self, _run_from_wire(record), self._buffer)
        with self._runs_lock:
            self._runs.add(run)
        return run

    def get_run(self, run_id: str) -> RunRecord:
        """The run as the server holds it: params, tags, latest metrics, status."""
        return _run_from_wire(self.request("GET", f"/runs/{seg(run_id)}")["run"])

    def update_run(
        self,
        run_id: str,
        *,
        status: Optional[str] = None,
        end_time: Optional[int] = None,
        name: Optional[str] = None,
    ) -> RunRecord:
        body: Dict[str, Any] = {}
        if status is not None:
            body["status"] = status
        if end_time is not None:
            body["endTime"] = end_time
        if name is not None:
            body["name"] = name
        answer = self.request("PATCH", f"/runs/{seg(run_id)}", body, idempotent=True)
        return _run_from_wire(answer["run"])

    def delete_run(self, run_id: str) -> None:
        """Soft delete: restorable."""
        self.request("DELETE", f"/runs/{seg(run_id)}")

    def restore_run(self, run_id: str) -> None:
        self.request("POST", f"/runs/{seg(run_id)}/restore", idempotent=True)

    def delete_run_tag(self, run_id: str, key: str) -> None:
        self.request("DELETE", f"/runs/{seg(run_id)}/tags/{seg(key)}")

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Mapping[str, Any]] = (),
        params: Optional[Mapping[str, ParamValue]] = None,
        tags: Optional[Mapping[str, str]] = None,
    ) -> None:
        """Logs now, split into requests within the server's limits, each with its own batch id so
        retries never duplicate. ``metrics`` are ``{"key", "value", "step"?, "timestamp"?}``.
        From a training loop, prefer the buffered ``run.log``."""
        now = int(time.time() * 1000)
        wire = [
            {
                "key": m["key"],
                "value": wire_value(float(m["value"])),
                "timestamp": int(m.get("timestamp", now)),
                "step": int(m.get("step", 0)),
            }
            for m in metrics
        ]
        param_list = [{"key": k, "value": param_text(v)} for k, v in (params or {}).items()]
        tag_list = [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]
        m = p = t = 0
        while m < len(wire) or p < len(param_list) or t < len(tag_list):
            some_params = param_list[p : p + BATCH_LIMITS["params"]]
            some_tags = tag_list[t : t + BATCH_LIMITS["tags"]]
            room = min(BATCH_LIMITS["metrics"], BATCH_LIMITS["entities"] - len(some_params) - len(some_tags))
            some_metrics = wire[m : m + room]
            body: Dict[str, Any] = {"batchId": uuid.uuid4().hex}
            if some_metrics:
                body["metrics"] = some_metrics
            if some_params:
                body["params"] = some_params
            if some_tags:
                body["tags"] = some_tags
            self._post_batch(run_id, body)
            m, p, t = m + len(some_metrics), p + len(some_params), t + len(some_tags)

    def search_runs(
        self,
        experiment: Optional[str] = None,
        *,
        experiment_ids: Optional[Sequence[str]] = None,
        filter: Optional[str] = None,
        order_by: Union[str, Sequence[str], None] = None,
        max_results: Optional[int] = None,
        page_token: Optional[str] = None,
        view_type: Optional[str] = None,
    ) -> Dict[str, Any]:
        """One page of runs matching MLflow's filter grammar: ``{"runs": [...], "nextPageToken"?}``.

        Example::

            page = client.search_runs("iris", filter="metrics.accuracy > 0.9", order_by="metrics.accuracy DESC")
        """
        ids = list(experiment_ids or [])
        if experiment is not None:
            ids.append(self.experiments.get_by_name(experiment)["id"])
        if not ids:
            raise invalid_argument("search_runs needs experiment (a name) or experiment_ids")
        body: Dict[str, Any] = {"experimentIds": ids}
        if filter is not None:
            body["filter"] = filter
        if order_by is not None:
            body["orderBy"] = [order_by] if isinstance(order_by, str) else list(order_by)
        if max_results is not None:
            body["maxResults"] = max_results
        if page_token is not None:
            body["pageToken"] = page_token
        if view_type is not None:
            body["viewType"] = view_type
        # A search only reads, so it may be repeated.
        page = self.request("POST", "/runs/search", body, idempotent=True)
        for run in page["runs"]:
            _run_from_wire(run)
        return page

    def get_metric_history(
        self,
        run_id: str,
        key: str,
        *,
        start_step: Optional[int] = None,
        end_step: Optional[int] = None,
        max_points: Optional[int] = None,
    ) -> List[MetricPoint]:
        """One metric's points, all pages; with ``max_points`` downsampled on the server, keeping
        the first and the last point."""
        path = f"/runs/{seg(run_id)}/metric-history"
        query: Dict[str, QueryValue] = {
            "key": key,
            "startStep": start_step,
            "endStep": end_step,
            "maxPoints": max_points,
        }
        points: List[MetricPoint] = []
        token: Optional[str] = None
        while True:
            page = self.request("GET", path, query={**query, "pageToken": token})
            for point in page["points"]:
                point["value"] = _number(point["value"])
                points.append(point)
            token = page.get("nextPageToken")
            if not token:
                return points

    def close(self) -> None:
        """Delivers what every run of this client still buffers and stops their senders (runs stay
        as they are on the server; ``run.end()`` ends them). Raises the first delivery failure."""
        with self._runs_lock:
            runs = list(self._runs)
        failure: Optional[BaseException] = None
        for run in runs:
            try:
                run.close()
            except Exception as error:  # noqa: BLE001 - raised below, after every run is closed
                failure = failure or error
        if failure is not None:
            raise failure

    # ---- artifacts and lineage -------------------------------------------------------------------

    def _record_artifacts(self, run_id: str, files: Sequence[Any], artifact_path: str) -> None:
        for i in range(0, len(files), _FILES_PER_REQUEST):
            some = [file.entry() for file in files[i : i + _FILES_PER_REQUEST]]
            self.request("POST", f"/runs/{seg(run_id)}/artifacts", {"artifactPath": artifact_path, "files": some})

    def log_artifacts(
        self,
        run_id: str,
        local_dir: Union[str, Path],
        artifact_path: Optional[str] = None,
        *,
        progress: ProgressArg = None,
    ) -> UploadResult:
        """Uploads every file below ``local_dir`` and records them as the run's artifacts under
        ``artifact_path`` (default: the folder's own name; ``""`` for the root)."""
        folder = Path(local_dir)
        if not folder.is_dir():
            raise invalid_argument(f"{local_dir} is not a folder; use log_artifact for a file")
        if artifact_path is None:
            artifact_path = folder.resolve().name
        files = list_files(folder)
        if not files:
            raise invalid_argument(f"{local_dir} holds no files")
        hashed, upload = hash_and_upload(
            self, folder, files=files, concurrency=self._concurrency, progress=progress
        )
        self._record_artifacts(run_id, hashed, artifact_path.strip("/"))
        return upload

    def log_artifact(
        self, run_id: str, local_file: Union[str, Path], artifact_path: str = "", *, progress: ProgressArg = None
    ) -> UploadResult:
        """Uploads one file as the run's ``<artifact_path>/<its name>``."""
        if not Path(local_file).is_file():
            raise invalid_argument(f"{local_file} is not a file; use log_artifacts for a folder")
        hashed, upload = hash_and_upload(self, local_file, concurrency=self._concurrency, progress=progress)
        self._record_artifacts(run_id, hashed, artifact_path.strip("/"))
        return upload

    def list_artifacts(self, run_id: str, path: str = "", *, recursive: bool = False) -> Dict[str, Any]:
        """One folder of a run's artifacts (or, ``recursive``, every file below it), all pages:
        ``{"path", "totalSize", "fileCount", "entries": [{"type": "file"|"folder", ...}]}``."""
        base = f"/runs/{seg(run_id)}/artifacts"
        query: Dict[str, QueryValue] = {"path": path, "recursive": recursive, "maxResults": 10000}
        listing = self.request("GET", base, query=query)
        token = listing.pop("nextPageToken", None)
        while token:
            page = self.request("GET", base, query={**query, "pageToken": token})
            listing["entries"].extend(page["entries"])
            token = page.get("nextPageToken")
        return listing

    def download_artifacts(
        self, run_id: str, path: str, dest: Union[str, Path], *, progress: ProgressArg = None
    ) -> DownloadResult:
        """Downloads one artifact file or folder into ``dest``, keeping paths as in the run
        (``dest/<artifact path>``), each file verified by SHA-256."""
        listing = self.list_artifacts(run_id, path, recursive=True)
        files = [entry for entry in listing["entries"] if entry["type"] == "file"]

        def urls_for(paths: List[str]) -> Dict[str, str]:
            wanted = set(paths)
            found: Dict[str, str] = {}
            token: Optional[str] = None
            # A few files: one request each; many: the folder's URLs, a page at a time.
            for one in paths if len(paths) <= 16 else [listing["path"]]:
                while True:
                    page = self.request(
                        "GET", f"/runs/{seg(run_id)}/artifacts/urls", query={"path": one, "pageToken": token}
                    )
                    found.update({u["path"]: u["url"] for u in page["files"] if u["path"] in wanted})
                    token = page.get("nextPageToken")
                    if not token:
                        break
            return found

        return download_files(files, dest, urls_for, concurrency=self._concurrency, progress=progress)

    def use_dataset(
        self, run_id: str, name: str, *, version: Union[int, str, None] = None, context: str = "training"
    ) -> RunInput:
        """Records that a run used a dataset version (lineage); ``version`` None is the latest."""
        body = {"dataset": name, "version": "latest" if version is None else version, "context": context}
        return self.request("POST", f"/runs/{seg(run_id)}/inputs", body)["input"]

    def run_inputs(self, run_id: str) -> List[RunInput]:
        """The dataset versions a run used."""
        return self.request("GET", f"/runs/{seg(run_id)}/inputs")["inputs"]


__all__ = ["Client", "Experiments"]
