"""The model registry: versions from a run's artifacts, aliases and stages, verified downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Union
from urllib.parse import quote

from .errors import CairnError
from .progress import ProgressArg
from .records import ModelVersion, RegisteredModel, ResolvedModel
from .transfers import download_files

if TYPE_CHECKING:
    from .client import Client


def _at(name: str) -> str:
    return f"/models/{quote(name, safe='')}"


class Models:
    """``cairn.models``: register, promote, resolve and download model versions."""

    def __init__(self, client: Callable[[], "Client"]) -> None:
        self._client = client

    def create(
        self, name: str, description: Optional[str] = None, tags: Optional[Mapping[str, str]] = None
    ) -> RegisteredModel:
        body: Dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        if tags:
            body["tags"] = dict(tags)
        return self._client().request("POST", "/models", body)["model"]

    def register(
        self,
        run_id: str,
        artifact_path: str,
        name: str,
        *,
        description: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
    ) -> ModelVersion:
        """Registers the next version of model ``name`` from a folder (or file) of a run's
        artifacts, creating the model first when it does not exist (as MLflow's
        ``register_model`` does). The files are not copied: the version names their blobs.

        Example::

            version = cairn.models.register(run.id, "model/", name="iris-rf")
        """
        try:
            self.create(name)
        except CairnError as error:
            if error.code != "models.already_exists":
                raise
        body: Dict[str, Any] = {"runId": run_id, "artifactPath": artifact_path.strip("/")}
        if description is not None:
            body["description"] = description
        if tags:
            body["tags"] = dict(tags)
        return self._client().request("POST", f"{_at(name)}/versions", body)["version"]

    def promote(self, name: str, version: int, alias: str) -> ModelVersion:
        """Points ``alias`` (``production``, ``champion``) at a version; a protected alias needs
        an admin key. ``cairn.models.promote("iris-rf", 1, alias="production")``."""
        return self._client().request("PUT", f"{_at(name)}/aliases/{quote(alias, safe='')}", {"version": version})[
            "version"
        ]

    def remove_alias(self, name: str, alias: str) -> RegisteredModel:
        return self._client().request("DELETE", f"{_at(name)}/aliases/{quote(alias, safe='')}")["model"]

    def set_stage(
        self, name: str, version: int, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        """MLflow's stages (``None``, ``Staging``, ``Production``, ``Archived``)."""
        body = {"stage": stage, "archiveExistingVersions": archive_existing_versions}
        return self._client().request("POST", f"{_at(name)}/versions/{int(version)}/stage", body)["version"]

    def get(self, name: str) -> Dict[str, Any]:
        """``{"model": ..., "latestVersions": [...]}``."""
        return self._client().request("GET", _at(name))

    def list(self, filter: Optional[str] = None, max_results: int = 1000) -> List[RegisteredModel]:
        """Registered models, by MLflow's filter grammar (``name LIKE 'iris%'``)."""
        client = self._client()
        found: List[RegisteredModel] = []
        token: Optional[str] = None
        while len(found) < max_results:
            page = client.request(
                "GET",
                "/models",
                query={"filter": filter, "maxResults": min(1000, max_results - len(found)), "pageToken": token},
            )
            found.extend(page["models"])
            token = page.get("nextPageToken")
            if not token:
                break
        return found

    def versions(self, name: str, stage: Optional[str] = None, max_results: int = 1000) -> List[ModelVersion]:
        """A model's versions, newest first, optionally in one stage."""
        client = self._client()
        found: List[ModelVersion] = []
        token: Optional[str] = None
        while len(found) < max_results:
            page = client.request(
                "GET",
                f"{_at(name)}/versions",
                query={"stage": stage, "maxResults": min(1000, max_results - len(found)), "pageToken": token},
            )
            found.extend(page["versions"])
            token = page.get("nextPageToken")
            if not token:
                break
        return found

    def version(self, name: str, version: int) -> Dict[str, Any]:
        """One version with its ``files``."""
        return self._client().request("GET", f"{_at(name)}/versions/{int(version)}")["version"]

    def lineage(self, name: str, version: int) -> Dict[str, Any]:
        """Where a version came from: its run's params and metrics, and the dataset versions it used."""
        return self._client().request("GET", f"{_at(name)}/versions/{int(version)}/lineage")["lineage"]

    def resolve(self, ref: str) -> ResolvedModel:
        """``iris-rf@production`` (also ``iris-rf@3``, ``models/iris-rf@champion``, MLflow's
        ``models:/iris-rf/Production``) → the version, its run, and its files with short-lived
        download URLs."""
        return self._client().request("GET", "/resolve", query={"uri": ref})

    def download(self, ref: str, dest: Union[str, Path], *, progress: ProgressArg = None) -> Path:
        """Downloads the files of ``iris-rf@production`` into ``dest``, each verified against its
        size and SHA-256, and returns ``dest``. The ref is resolved once: if the alias moves during
        the download, the files still all belong to the version it named at the start.

        Example::

            path = cairn.models.download("iris-rf@production", "serving/")
        """
        client = self._client()
        resolved = self.resolve(ref)
        pinned = f"{resolved['model']}@{resolved['version']['version']}"
        fresh: List[Optional[ResolvedModel]] = [resolved]

        def urls_for(paths: List[str]) -> Dict[str, str]:
            # The first batch uses the URLs in hand; later ones (and retries after expiry) re-sign.
            current = fresh[0] or self.resolve(pinned)
            fresh[0] = None
            wanted = set(paths)
            return {file["path"]: file["url"] for file in current["files"] if file["path"] in wanted}

        download_files(resolved["files"], dest, urls_for, concurrency=client._concurrency, progress=progress)
        return Path(dest).resolve()
