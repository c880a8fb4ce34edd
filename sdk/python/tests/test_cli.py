"""What Python logs is what the TypeScript CLI reads: one API, two clients."""

from __future__ import annotations

import json
import os
import subprocess
import unittest
import uuid

import local_stack

import cairn


def setUpModule() -> None:
    local_stack.start()


class CliTest(unittest.TestCase):
    def test_runs_logged_from_python_are_listed_by_the_cli(self) -> None:
        url, key = local_stack.new_tenant()
        client = cairn.Client(url, key)
        experiment = f"iris-{uuid.uuid4().hex[:6]}"
        with client.start_run(experiment=experiment, name="rf-100", params={"n_estimators": 100}) as run:
            for step in range(10):
                run.log({"loss": 1 / (step + 1)}, step=step)

        env = {**os.environ, "CAIRN_URL": url, "CAIRN_API_KEY": key, "NO_COLOR": "1"}
        env.pop("CAIRN_DATA_DIR", None)
        listed = subprocess.run(
            ["node", "sdk/bin/cairn.js", "runs", "list", "--experiment", experiment, "--json"],
            cwd=local_stack.REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

        self.assertEqual(listed.returncode, 0, listed.stderr)
        runs = json.loads(listed.stdout)
        self.assertEqual([r["id"] for r in runs], [run.id])
        self.assertEqual(runs[0]["name"], "rf-100")
        self.assertEqual(runs[0]["status"], "FINISHED")
        self.assertEqual(runs[0]["params"], {"n_estimators": "100"})
        self.assertEqual(runs[0]["metrics"]["loss"]["step"], 9)
        self.assertAlmostEqual(runs[0]["metrics"]["loss"]["value"], 0.1)


if __name__ == "__main__":
    unittest.main()
