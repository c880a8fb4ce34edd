"""The README's example runs as written, against a fresh tenant, in a fresh folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import local_stack

import cairn


def setUpModule() -> None:
    local_stack.start()


def readme_example() -> str:
    text = (local_stack.SDK_PYTHON / "README.md").read_text(encoding="utf-8")
    section = text.split("## Try it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "Try it: a preparation block, then the example"
    return "\n".join(blocks)


class ReadmeTest(unittest.TestCase):
    def test_the_example_runs_as_written(self) -> None:
        url, key = local_stack.new_tenant()
        env = {**os.environ, "CAIRN_URL": url, "CAIRN_API_KEY": key, "PYTHONPATH": str(local_stack.SRC)}
        env.pop("CAIRN_DATA_DIR", None)
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                [sys.executable, "-c", readme_example()],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(Path(folder, "serving", "model.pkl").read_bytes(), b"stand-in for a trained model")
            self.assertEqual(len(Path(folder, "out", "iris.csv").read_text().splitlines()), 3)

        client = cairn.Client(url, key)
        resolved = client.models.resolve("iris-rf@production")
        self.assertEqual(resolved["version"]["version"], 1)
        run = client.get_run(resolved["version"]["runId"])
        self.assertEqual((run["name"], run["status"]), ("rf-100", "FINISHED"))
        self.assertEqual(run["params"], {"n_estimators": "100"})
        self.assertEqual(len(client.get_metric_history(run["id"], "loss")), 100)
        self.assertEqual([(i["dataset"], i["version"]) for i in client.run_inputs(run["id"])], [("iris", 2)])


if __name__ == "__main__":
    unittest.main()
