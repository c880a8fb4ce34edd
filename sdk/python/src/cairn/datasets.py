"""Datasets: push a folder as a new version, pull a version into a folder, read versions and diffs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import quote

from .errors import invalid_argument
from .progress import ProgressArg
from .records import Dataset, DatasetVersion, FileEntry
from .transfers import DownloadResult, UploadResult, download_files, hash_and_upload, list_files

if TYPE_CHECKING:
    from .client import Client


def _seg(text: Any) -> str:
    return quote(str(text), safe="")


def parse_dataset_ref(ref: str) -> Tuple[str, str]:
    """``iris@2``, ``iris@golden`` or ``iris`` (the latest) → ``(name, version)``."""
    name, at, version = ref.rpartition("@")
    if not at:
        name, version = ref, "latest"
    if not name or not version:
        raise invalid_argument(f'"{ref}" is not a dataset reference: use name, name@2 or name@tag')
    return name, version


@dataclass(frozen=True)
class PushResult:
    """What a push did: ``created`` is False when the folder is exactly the latest version."""

    created: bool
    version: DatasetVersion
    upload: UploadResult

    def __str__(self) -> str:
        v = self.version
        return f"{v['dataset']}@{v['version']}" + ("" if self.created else " (no change)")


@dataclass(frozen=True)
class PullResult:
    """What a pull did: the version it fetched, into which folder, and how many files moved."""

    version: DatasetVersion
    path: Path
    downloaded: int
    downloaded_bytes: int
    skipped: int


class Datasets:
    """``cairn.data``: versioned datasets, content-addressed (DVC-style)."""

    def __init__(self, client: Callable[[], "Client"]) -> None:
        self._client = client

    def push(
        self,
        path: Union[str, Path],
        name: str,
        message: str = "",
        *,
        description: Optional[str] = None,
        progress: ProgressArg = None,
        multipart_threshold: Optional[int] = None,
    ) -> PushResult:
        """Pushes a folder (or one file) as a new version of dataset ``name``, creating the dataset
        when needed: hashes every file, uploads only the blobs the tenant lacks, records the
        manifest. Identical content makes no new version; a push interrupted and run again sends
        only what is still missing.

        Example::

            result = cairn.data.push("data/", name="iris", message="first cut")
            print(result.version["version"], result.upload.uploaded_bytes)
        """
        client = self._client()
        files = list_files(path)
        if not files:
            raise invalid_argument(f"{path} holds no files to push")
        hashed, upload = hash_and_upload(
            client,
            path,
            files=files,
            multipart_threshold=multipart_threshold,
            concurrency=client._concurrency,
            progress=progress,
        )
        body: Dict[str, Any] = {"files": [file.entry() for file in hashed], "message": message}
        if description is not None:
            body["description"] = description
        answer = client.request("POST", f"/datasets/{_seg(name)}/versions", body)
        return PushResult(created=answer["created"], version=answer["version"], upload=upload)

    def files(self, ref: str) -> Tuple[DatasetVersion, List[FileEntry]]:
        """A version (``iris@2``, ``iris@golden``, ``iris``) and every file in it."""
        client = self._client()
        name, version = parse_dataset_ref(ref)
        path = f"/datasets/{_seg(name)}/versions/{_seg(version)}"
        first = client.request("GET", path, query={"maxResults": 10000})
        files = list(first["files"])
        # Later pages by number: a tag could move between two pages, a number cannot.
        fixed = f"/datasets/{_seg(name)}/versions/{first['version']['version']}"
        token = first.get("nextPageToken")
        while token:
            page = client.request("GET", fixed, query={"maxResults": 10000, "pageToken": token})
            files.extend(page["files"])
            token = page.get("nextPageToken")
        return first["version"], files

    def pull(self, ref: str, dest: Union[str, Path], *, progress: ProgressArg = None) -> PullResult:
        """Pulls a version into a folder: files already there with the right SHA-256 are kept, the
        rest are downloaded in parallel, verified against their SHA-256, and renamed into place.

        Example::

            cairn.data.pull("iris@2", "out/")
        """
        client = self._client()
        version, files = self.files(ref)
        urls_path = f"/datasets/{_seg(version['dataset'])}/versions/{version['version']}/urls"

        def urls_for(paths: List[str]) -> Dict[str, str]:
            answer = client.request("POST", urls_path, {"paths": paths}, idempotent=True)
            return {entry["path"]: entry["url"] for entry in answer["files"]}

        result: DownloadResult = download_files(
            files, dest, urls_for, concurrency=client._concurrency, progress=progress
        )
        return PullResult(
            version=version,
            path=Path(dest).resolve(),
            downloaded=result.downloaded,
            downloaded_bytes=result.downloaded_bytes,
            skipped=result.skipped,
        )

    def get(self, name: str) -> Dataset:
        return self._client().request("GET", f"/datasets/{_seg(name)}")["dataset"]

    def list(self, max_results: int = 1000) -> List[Dataset]:
        return self._client().request("GET", "/datasets", query={"maxResults": max_results})["datasets"]

    def versions(self, name: str, max_results: int = 1000) -> List[DatasetVersion]:
        """Versions of a dataset, newest first."""
        client = self._client()
        found: List[DatasetVersion] = []
        token: Optional[str] = None
        while len(found) < max_results:
            page = client.request(
                "GET",
                f"/datasets/{_seg(name)}/versions",
                query={"maxResults": min(1000, max_results - len(found)), "pageToken": token},
            )
            found.extend(page["versions"])
            token = page.get("nextPageToken")
            if not token:
                break
        return found

    def version(self, ref: str) -> DatasetVersion:
        """One version, by ``iris@2``, ``iris@golden`` or ``iris``."""
        return self.files(ref)[0]

    def diff(self, from_ref: str, to_ref: str) -> Dict[str, Any]:
        """``{"added", "removed", "changed", "unchanged", "from", "to"}`` between two versions of one dataset."""
        name, a = parse_dataset_ref(from_ref)
        other, b = parse_dataset_ref(to_ref)
        if name != other:
            raise invalid_argument(f"Diff two versions of one dataset, not {name} and {other}")
        return self._client().request("GET", f"/datasets/{_seg(name)}/diff", query={"from": a, "to": b})

    def tag(self, ref: str, tag: str) -> Dict[str, Any]:
        """Points ``tag`` (``golden``) at a version: ``cairn.data.tag("iris@2", "golden")``."""
        name, version = parse_dataset_ref(ref)
        return self._client().request("PUT", f"/datasets/{_seg(name)}/tags/{_seg(tag)}", {"version": version})
