"""Cairn's Python client: experiment tracking, datasets and models, with the standard library only.

Example::

    import cairn                                   # CAIRN_URL / CAIRN_API_KEY, or .cairn/local.json
    with cairn.start_run(experiment="iris", name="rf-100", params={"n_estimators": 100}) as run:
        for step in range(100):
            run.log({"loss": 1 / (step + 1)}, step=step)
    cairn.data.push("data/", name="iris", message="first cut")

The module-level functions use a default ``Client``, made on first use from the environment;
``cairn.configure(url=..., api_key=...)`` replaces it, and ``cairn.Client(...)`` makes others.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Optional, Sequence, Union

from .client import Client, Experiments
from .datasets import Datasets, PullResult, PushResult, parse_dataset_ref
from .errors import CairnError
from .models import Models
from .records import (
    Dataset,
    DatasetVersion,
    Experiment,
    MetricPoint,
    ModelVersion,
    RegisteredModel,
    ResolvedModel,
    RunInput,
    RunRecord,
)
from .run import BufferOptions, ParamValue, Run, RunStats
from .transfers import DownloadResult, UploadResult
from .transport import RetryPolicy

__version__ = "0.1.0"

_default: Optional[Client] = None
_default_lock = threading.Lock()


def client() -> Client:
    """The default client, made from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client()
        return _default


def configure(url: Optional[str] = None, api_key: Optional[str] = None, **options: Any) -> Client:
    """Replaces the default client (``Client``'s arguments), e.g. to point a notebook elsewhere.
    Runs of the previous default client keep logging through it."""
    global _default
    made = Client(url, api_key, **options)
    with _default_lock:
        _default = made
    return made


def start_run(
    experiment: Optional[str] = None,
    *,
    experiment_id: Optional[str] = None,
    name: Optional[str] = None,
    params: Optional[Mapping[str, ParamValue]] = None,
    tags: Optional[Mapping[str, str]] = None,
    start_time: Optional[int] = None,
    parent_run_id: Optional[str] = None,
) -> Run:
    """Creates a run (in experiment ``experiment``, created if needed) and returns its handle;
    see ``Client.start_run``. Use it with ``with`` to end the run when the block does."""
    return client().start_run(
        experiment,
        experiment_id=experiment_id,
        name=name,
        params=params,
        tags=tags,
        start_time=start_time,
        parent_run_id=parent_run_id,
    )


def resume_run(run_id: str) -> Run:
    """A logging handle for an existing run."""
    return client().resume_run(run_id)


def get_run(run_id: str) -> RunRecord:
    """The run as the server holds it."""
    return client().get_run(run_id)


def search_runs(
    experiment: Optional[str] = None,
    *,
    experiment_ids: Optional[Sequence[str]] = None,
    filter: Optional[str] = None,
    order_by: Union[str, Sequence[str], None] = None,
    max_results: Optional[int] = None,
    page_token: Optional[str] = None,
) -> Any:
    """One page of runs matching MLflow's filter grammar; see ``Client.search_runs``."""
    return client().search_runs(
        experiment,
        experiment_ids=experiment_ids,
        filter=filter,
        order_by=order_by,
        max_results=max_results,
        page_token=page_token,
    )


def get_metric_history(run_id: str, key: str, **options: Any) -> Any:
    """One metric's points; see ``Client.get_metric_history``."""
    return client().get_metric_history(run_id, key, **options)


#: Datasets through the default client: ``cairn.data.push(...)``, ``cairn.data.pull(...)``.
data = Datasets(client)
#: The model registry through the default client: ``cairn.models.register(...)``.
models = Models(client)

__all__ = [
    "BufferOptions",
    "CairnError",
    "Client",
    "Dataset",
    "DatasetVersion",
    "Datasets",
    "DownloadResult",
    "Experiment",
    "Experiments",
    "MetricPoint",
    "ModelVersion",
    "Models",
    "PullResult",
    "PushResult",
    "RegisteredModel",
    "ResolvedModel",
    "RetryPolicy",
    "Run",
    "RunInput",
    "RunRecord",
    "RunStats",
    "UploadResult",
    "client",
    "configure",
    "data",
    "get_metric_history",
    "get_run",
    "parse_dataset_ref",
    "resume_run",
    "search_runs",
    "start_run",
]
