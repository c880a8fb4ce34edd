"""The model registry from Python: register from a run's artifacts, promote, download verified."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import unittest
import uuid
from pathlib import Path

import local_stack

import cairn
from cairn import CairnError


def setUpModule() -> None:
    local_stack.start()


def digests(root: Path) -> dict:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class ModelRegistryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url, cls.key = local_stack.new_tenant()
        cls.client = cairn.Client(cls.url, cls.key)
        cls.tmp = Path(tempfile.mkdtemp(prefix="cairn-py-models-"))
        cls.model_v1 = cls.tmp / "v1" / "model"
        (cls.model_v1 / "weights").mkdir(parents=True)
        (cls.model_v1 / "MLmodel").write_text("flavors: {sklearn: {}}\n")
        (cls.model_v1 / "weights" / "model.pkl").write_bytes(b"\x80\x04first weights")
        cls.model_v2 = cls.tmp / "v2" / "model"
        shutil.copytree(cls.model_v1, cls.model_v2)
        (cls.model_v2 / "weights" / "model.pkl").write_bytes(b"\x80\x04second weights")
        with cls.client.start_run(experiment="registry") as run:
            run.log_artifacts(cls.model_v1)  # Logged under the folder's name: the run's model/.
        cls.run_v1 = run
        with cls.client.start_run(experiment="registry") as run:
            run.log_artifacts(cls.model_v2, artifact_path="model")
        cls.run_v2 = run

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_register_promote_and_download(self) -> None:
        name = f"iris-rf-{uuid.uuid4().hex[:6]}"
        first = self.client.models.register(self.run_v1.id, "model/", name=name)
        second = self.client.models.register(self.run_v2.id, "model", name=name, description="retrained")
        self.assertEqual((first["version"], second["version"]), (1, 2))
        self.assertEqual((first["runId"], first["artifactPath"], first["fileCount"]), (self.run_v1.id, "model", 2))

        promoted = self.client.models.promote(name, 1, alias="production")
        self.assertEqual(promoted["aliases"], ["production"])
        self.assertEqual(self.client.models.get(name)["model"]["aliases"], {"production": 1})

        path = self.client.models.download(f"{name}@production", self.tmp / "serving")
        self.assertEqual(path, (self.tmp / "serving").resolve())
        self.assertEqual(digests(path), digests(self.model_v1))

        self.client.models.promote(name, 2, alias="production")
        self.client.models.download(f"{name}@production", self.tmp / "serving")
        self.assertEqual(digests(self.tmp / "serving"), digests(self.model_v2))
        self.assertEqual(self.client.models.resolve(f"models/{name}@production")["version"]["version"], 2)
        self.assertEqual([v["version"] for v in self.client.models.versions(name)], [2, 1])

    def test_run_artifacts_list_and_download_verified(self) -> None:
        listing = self.client.list_artifacts(self.run_v1.id)
        self.assertEqual([(e["type"], e["path"]) for e in listing["entries"]], [("folder", "model")])
        files = self.client.list_artifacts(self.run_v1.id, "model", recursive=True)
        self.assertEqual(sorted(e["path"] for e in files["entries"]), ["model/MLmodel", "model/weights/model.pkl"])
        result = self.client.download_artifacts(self.run_v1.id, "model", self.tmp / "restored")
        self.assertEqual((result.downloaded, result.skipped), (2, 0))
        self.assertEqual(digests(self.tmp / "restored" / "model"), digests(self.model_v1))

    def test_stages_and_lineage(self) -> None:
        name = f"staged-{uuid.uuid4().hex[:6]}"
        self.client.models.register(self.run_v1.id, "model", name=name)
        staged = self.client.models.set_stage(name, 1, "Staging")
        self.assertEqual(staged["stage"], "Staging")
        lineage = self.client.models.lineage(name, 1)
        self.assertEqual(lineage["run"]["id"], self.run_v1.id)

    def test_bad_input_surfaces_the_servers_codes(self) -> None:
        name = f"bad-{uuid.uuid4().hex[:6]}"
        self.client.models.register(self.run_v1.id, "model", name=name)
        cases = {
            "models.reserved_alias": lambda: self.client.models.promote(name, 1, alias="latest"),
            "models.version_not_found": lambda: self.client.models.promote(name, 9, alias="champion"),
            "models.artifact_not_found": lambda: self.client.models.register(self.run_v1.id, "absent", name=name),
            "models.not_found": lambda: self.client.models.download("no-such-model@production", self.tmp / "x"),
            "request.invalid": lambda: self.client.models.register("not-a-run-id", "model", name=name),
        }
        for code, call in cases.items():
            with self.subTest(code=code):
                with self.assertRaises(CairnError) as caught:
                    call()
                self.assertEqual(caught.exception.code, code)
                self.assertGreaterEqual(caught.exception.status, 400)


if __name__ == "__main__":
    unittest.main()
