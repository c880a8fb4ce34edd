"""Records as the server answers them: its JSON, typed for editors (they are plain dicts)."""

from __future__ import annotations

from typing import Dict, List, Optional, TypedDict, Union


class LatestMetric(TypedDict):
    #: NaN and infinities come back as floats.
    value: float
    step: int
    timestamp: int


class RunRecord(TypedDict):
    id: str
    experimentId: str
    name: str
    #: RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.
    status: str
    startTime: int
    endTime: Optional[int]
    lifecycleStage: str
    user: str
    parentRunId: Optional[str]
    artifactUri: str
    params: Dict[str, str]
    tags: Dict[str, str]
    metrics: Dict[str, LatestMetric]


class Experiment(TypedDict):
    id: str
    name: str
    description: str
    lifecycleStage: str
    tags: Dict[str, str]
    createdAt: int
    updatedAt: int
    artifactLocation: str


class MetricPoint(TypedDict):
    step: int
    timestamp: int
    value: float


class RunInput(TypedDict):
    runId: str
    dataset: str
    version: int
    digest: str
    context: str
    recordedAt: int


class DatasetVersion(TypedDict):
    dataset: str
    version: int
    #: SHA-256 of the version's canonical manifest: the identity of exactly these files.
    digest: str
    message: str
    createdBy: str
    createdAt: int
    fileCount: int
    totalSize: int
    tags: List[str]


class Dataset(TypedDict):
    name: str
    description: str
    tags: Dict[str, str]
    createdAt: int
    updatedAt: int
    createdBy: str
    latestVersion: int
    latestDigest: Optional[str]


class FileEntry(TypedDict):
    path: str
    sha256: str
    size: int


class RegisteredModel(TypedDict):
    id: str
    name: str
    description: str
    tags: Dict[str, str]
    #: Alias → version number.
    aliases: Dict[str, int]
    protectedAliases: List[str]
    latestVersion: int
    createdAt: int
    updatedAt: int
    createdBy: str


class ModelVersion(TypedDict):
    modelId: str
    name: str
    version: int
    runId: str
    artifactPath: str
    source: str
    digest: str
    status: str
    #: None, Staging, Production or Archived.
    stage: str
    description: str
    tags: Dict[str, str]
    aliases: List[str]
    fileCount: int
    totalSize: int
    createdAt: int
    updatedAt: int
    createdBy: str


class ResolvedFile(TypedDict):
    path: str
    sha256: str
    size: int
    url: str


class ResolvedModel(TypedDict):
    model: str
    ref: str
    version: ModelVersion
    run: Dict[str, Union[str, int, None]]
    files: List[ResolvedFile]
    #: When the URLs stop working (ms since the epoch).
    expiresAt: int
