"""Dataset push and pull against the real stack: bytes round-trip exactly, and are verified."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import shutil
import tempfile
import threading
import unittest
import urllib.request
import uuid
from pathlib import Path
from typing import Dict

import local_stack

import cairn
from cairn import CairnError
from cairn.transfers import download_files, wait_for_verification

MiB = 1024 * 1024


def setUpModule() -> None:
    local_stack.start()


def digests(root: Path) -> Dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class DatasetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url, cls.key = local_stack.new_tenant()
        cls.client = cairn.Client(cls.url, cls.key)

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="cairn-py-data-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.name = f"iris-{uuid.uuid4().hex[:8]}"

    def make_folder(self) -> Path:
        # Blobs are shared across a tenant: content unique to the test keeps its counts its own.
        data = self.tmp / "data"
        (data / "nested" / "deeper").mkdir(parents=True)
        (data / "train.csv").write_text(f"sepal_length,species,{self.name}\n5.1,setosa\n")
        (data / "nested" / "copy-of-train.csv").write_text(f"sepal_length,species,{self.name}\n5.1,setosa\n")
        (data / "nested" / "deeper" / "empty.txt").write_bytes(b"")
        (data / "nested" / "naïve café.txt").write_text(f"unicode names travel too {self.name}\n")
        return data

    def test_push_then_pull_round_trips_every_byte(self) -> None:
        data = self.make_folder()
        big = os.urandom(9 * MiB)  # Above the 8 MiB threshold asked for below: sent in parts.
        (data / "big.bin").write_bytes(big)

        pushed = self.client.data.push(data, name=self.name, message="first cut", multipart_threshold=8 * MiB)

        self.assertTrue(pushed.created)
        self.assertEqual(pushed.version["version"], 1)
        self.assertEqual(pushed.version["fileCount"], 5)
        self.assertEqual(pushed.version["message"], "first cut")
        # Two files share content: five files, four blobs (the empty one may be stored already).
        self.assertEqual(pushed.upload.uploaded_blobs + pushed.upload.present_blobs, 4)
        self.assertGreaterEqual(pushed.upload.uploaded_bytes, len(big))
        pulled = self.client.data.pull(f"{self.name}@1", self.tmp / "out")
        self.assertEqual((pulled.downloaded, pulled.skipped), (5, 0))
        self.assertEqual(pulled.path, (self.tmp / "out").resolve())
        self.assertEqual(digests(self.tmp / "out"), digests(data))

    def test_parts_carry_their_sha256_and_the_push_waits_for_verification(self) -> None:
        data = self.tmp / "parts"
        data.mkdir()
        (data / "big.bin").write_bytes(os.urandom(8 * MiB + 17))
        lines = io.StringIO()

        pushed = self.client.data.push(data, name=self.name, multipart_threshold=8 * MiB, progress=lines)

        self.assertEqual(pushed.upload.uploaded_blobs, 1)
        self.assertIn("verifying 1/1 files", lines.getvalue())

    def test_a_refused_verification_raises_the_servers_reason(self) -> None:
        # Zeros sent in parts under another blob's digest: the server hashes the whole blob and
        # refuses it; the client's wait surfaces that, and the blob is never present.
        real = os.urandom(8 * MiB + 3)
        blob = {"sha256": hashlib.sha256(real).hexdigest(), "size": len(real)}
        plan = self.client.request("POST", "/uploads", {"blobs": [blob], "multipartThreshold": 8 * MiB})["blobs"][0]
        zeros = bytes(len(real))
        slices = [zeros[: 8 * MiB], zeros[8 * MiB :]]
        signed = self.client.request(
            "POST",
            "/uploads/parts",
            {
                "uploadId": plan["uploadId"],
                "parts": [
                    {"partNumber": n + 1, "sha256": hashlib.sha256(part).hexdigest()} for n, part in enumerate(slices)
                ],
            },
        )["parts"]
        parts = []
        for url, part in zip(signed, slices):
            request = urllib.request.Request(url["url"], data=part, method="PUT", headers=url["headers"])
            with urllib.request.urlopen(request) as answer:
                etag = answer.headers["ETag"]
            parts.append({"partNumber": url["partNumber"], "etag": etag, "sha256": hashlib.sha256(part).hexdigest()})
        multipart = [{"uploadId": plan["uploadId"], "parts": parts}]
        completed = self.client.request("POST", "/uploads/complete", {"multipart": multipart})

        with self.assertRaises(CairnError) as caught:
            wait_for_verification(self.client, completed["verifying"], progress=False)

        self.assertEqual(caught.exception.code, "blobs.checksum_mismatch")
        again = self.client.request("POST", "/uploads", {"blobs": [blob]})["blobs"][0]
        self.assertNotEqual(again["status"], "present")

    def test_pushing_the_same_content_again_makes_no_version_and_sends_nothing(self) -> None:
        data = self.make_folder()
        first = self.client.data.push(data, name=self.name)
        again = self.client.data.push(data, name=self.name, message="no change")
        self.assertFalse(again.created)
        self.assertEqual(again.version["version"], first.version["version"])
        self.assertEqual(again.version["digest"], first.version["digest"])
        self.assertEqual((again.upload.uploaded_blobs, again.upload.present_blobs), (0, 3))

    def test_pull_keeps_good_files_and_replaces_corrupted_ones(self) -> None:
        data = self.make_folder()
        self.client.data.push(data, name=self.name)
        out = self.tmp / "out"
        self.client.data.pull(self.name, out)
        tampered = out / "train.csv"
        tampered.write_text(tampered.read_text().replace("5.1", "9.9"))  # Same size, other bytes.

        again = self.client.data.pull(self.name, out)

        self.assertEqual((again.downloaded, again.skipped), (1, 3))
        self.assertEqual(digests(out), digests(data))

    def test_versions_tags_and_diffs(self) -> None:
        data = self.make_folder()
        self.client.data.push(data, name=self.name, message="v1")
        self.client.data.tag(f"{self.name}@1", "golden")
        (data / "train.csv").write_text("sepal_length,species\n5.1,setosa\n4.9,setosa\n")
        original = (self.tmp / "data" / "nested" / "copy-of-train.csv").read_text()
        (data / "extra.csv").write_text("x\n")
        second = self.client.data.push(data, name=self.name, message="v2")
        self.assertEqual(second.version["version"], 2)

        golden = self.client.data.pull(f"{self.name}@golden", self.tmp / "golden")
        self.assertEqual(golden.version["version"], 1)
        self.assertEqual((self.tmp / "golden" / "train.csv").read_text(), original)
        self.assertEqual([v["version"] for v in self.client.data.versions(self.name)], [2, 1])
        diff = self.client.data.diff(f"{self.name}@1", f"{self.name}@2")
        self.assertEqual([f["path"] for f in diff["added"]], ["extra.csv"])
        self.assertEqual([c["path"] for c in diff["changed"]], ["train.csv"])

    def test_a_run_records_the_dataset_version_it_used(self) -> None:
        self.client.data.push(self.make_folder(), name=self.name)
        with self.client.start_run(experiment="lineage") as run:
            used = run.use_dataset(self.name, version=1, context="training")
        self.assertEqual((used["dataset"], used["version"], used["context"]), (self.name, 1, "training"))
        self.assertEqual([i["dataset"] for i in self.client.run_inputs(run.id)], [self.name])

    def test_bad_input_surfaces_the_servers_codes(self) -> None:
        with self.assertRaises(CairnError) as missing:
            self.client.data.pull(f"{self.name}@1", self.tmp / "out")
        self.assertEqual((missing.exception.code, missing.exception.status), ("datasets.not_found", 404))
        with self.assertRaises(CairnError) as bad_name:
            self.client.data.push(self.make_folder(), name="no spaces allowed")
        self.assertEqual(bad_name.exception.code, "request.invalid")
        self.assertTrue(bad_name.exception.details["issues"])
        (self.tmp / "empty").mkdir()
        with self.assertRaises(CairnError) as empty:
            self.client.data.push(self.tmp / "empty", name=self.name)
        self.assertEqual(empty.exception.code, "client.invalid_argument")


class VerifiedDownloadTest(unittest.TestCase):
    """A store that serves other bytes than the manifest names is caught, and leaves nothing behind."""

    def test_bytes_that_do_not_match_their_sha256_are_refused(self) -> None:
        served = b"not what was pushed"

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-length", str(len(served)))
                self.end_headers()
                self.wfile.write(served)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}/blob"
        expected = b"what was pushed"
        entry = {"path": "a/b.txt", "size": len(expected), "sha256": hashlib.sha256(expected).hexdigest()}

        with tempfile.TemporaryDirectory() as dest:
            with self.assertRaises(CairnError) as caught:
                download_files([entry], dest, lambda paths: {p: url for p in paths}, progress=io.StringIO())
            self.assertEqual(caught.exception.code, "client.checksum_mismatch")
            self.assertEqual(list(Path(dest, "a").iterdir()), [])

    def test_paths_outside_the_destination_are_refused(self) -> None:
        entry = {"path": "../escape.txt", "size": 1, "sha256": "0" * 64}
        with tempfile.TemporaryDirectory() as dest:
            with self.assertRaises(CairnError) as caught:
                download_files([entry], dest, lambda paths: {})
            self.assertEqual(caught.exception.code, "client.invalid_argument")


if __name__ == "__main__":
    unittest.main()
