"""Tracking against the real local stack: what a training loop logs arrives once, in order."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time
import unittest
import uuid

import local_stack

import cairn
from cairn import BufferOptions, CairnError


def setUpModule() -> None:
    local_stack.start()


class TrackingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url, cls.key = local_stack.new_tenant()
        cls.client = cairn.Client(cls.url, cls.key, buffer=BufferOptions(flush_interval=0.2))

    def experiment(self) -> str:
        return f"exp-{uuid.uuid4().hex[:8]}"

    def test_a_with_block_logs_metrics_params_and_tags_and_finishes_the_run(self) -> None:
        name = self.experiment()
        params = {"n_estimators": 100, "bootstrap": True}
        with self.client.start_run(experiment=name, name="rf-100", params=params) as run:
            for step in range(250):
                run.log({"loss": 1 / (step + 1), "accuracy": step / 250}, step=step)
            run.log_params({"max_depth": 8})
            run.set_tags({"team": "vision"})

        record = self.client.get_run(run.id)
        self.assertEqual(record["status"], "FINISHED")
        self.assertIsNotNone(record["endTime"])
        self.assertEqual(record["name"], "rf-100")
        self.assertEqual(record["params"], {"n_estimators": "100", "bootstrap": "true", "max_depth": "8"})
        self.assertEqual(record["tags"].get("team"), "vision")
        self.assertEqual(record["metrics"]["loss"]["step"], 249)
        self.assertAlmostEqual(record["metrics"]["loss"]["value"], 1 / 250)
        history = self.client.get_metric_history(run.id, "loss")
        self.assertEqual([p["step"] for p in history], list(range(250)))
        self.assertEqual([p["value"] for p in history], [1 / (s + 1) for s in range(250)])
        self.assertEqual(run.stats, cairn.RunStats(logged=500, sent=500, dropped=0, failed=0, buffered=0))
        found = self.client.search_runs(name, filter="metrics.accuracy > 0.9 and params.max_depth = '8'")
        self.assertEqual([r["id"] for r in found["runs"]], [run.id])

    def test_non_finite_values_round_trip_as_floats(self) -> None:
        with self.client.start_run(experiment=self.experiment()) as run:
            run.log({"x": math.nan}, step=0)
            run.log({"x": math.inf}, step=1)
            run.log({"x": -math.inf}, step=2)
        values = [p["value"] for p in self.client.get_metric_history(run.id, "x")]
        self.assertTrue(math.isnan(values[0]))
        self.assertEqual(values[1:], [math.inf, -math.inf])

    def test_a_block_that_raises_marks_the_run_failed_and_reraises(self) -> None:
        with self.assertRaises(ZeroDivisionError):
            with self.client.start_run(experiment=self.experiment()) as run:
                run.log({"loss": 0.5}, step=1)
                1 / 0
        record = self.client.get_run(run.id)
        self.assertEqual(record["status"], "FAILED")
        # What was logged before the failure is delivered, not lost with it.
        self.assertEqual(len(self.client.get_metric_history(run.id, "loss")), 1)

    def test_points_are_sent_in_the_background_without_a_flush(self) -> None:
        run = self.client.start_run(experiment=self.experiment())
        run.log({"loss": 0.25}, step=3)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not self.client.get_run(run.id)["metrics"]:
            time.sleep(0.1)
        self.assertEqual(self.client.get_run(run.id)["metrics"]["loss"]["step"], 3)
        self.assertEqual(self.client.get_run(run.id)["status"], "RUNNING")
        run.end("KILLED")
        self.assertEqual(self.client.get_run(run.id)["status"], "KILLED")

    def test_a_param_cannot_change_and_logging_after_end_is_refused(self) -> None:
        run = self.client.start_run(experiment=self.experiment(), params={"lr": 0.1})
        with self.assertRaises(CairnError) as caught:
            run.log_params({"lr": 0.2})
        self.assertEqual(caught.exception.code, "runs.param_conflict")
        run.log_params({"lr": 0.1})  # The same value again is fine.
        run.end()
        with self.assertRaises(CairnError) as ended:
            run.log({"loss": 1.0})
        self.assertEqual(ended.exception.code, "client.run_ended")
        self.assertIs(run.end(), run.end())

    def test_bad_values_are_refused_before_anything_is_sent(self) -> None:
        run = self.client.start_run(experiment=self.experiment())
        cases = [
            lambda: run.log({"loss": "low"}),
            lambda: run.log({"loss": None}),
            lambda: run.log({"loss": 1.0}, step=1.5),
            lambda: run.log({"": 1.0}),
            lambda: run.log({"a\nb": 1.0}),
            lambda: run.log({"loss": 1.0}, timestamp=math.nan),
        ]
        for case in cases:
            with self.assertRaises(CairnError) as caught:
                case()
            self.assertEqual(caught.exception.code, "client.invalid_argument")
        self.assertEqual(run.stats.logged, 0)
        run.end()

    def test_memory_is_bounded_the_newest_points_are_kept(self) -> None:
        warnings = []
        client = cairn.Client(
            self.url,
            self.key,
            buffer=BufferOptions(flush_interval=60, max_buffered_points=50, high_water_mark=40),
            warn=warnings.append,
        )
        run = client.start_run(experiment=self.experiment())
        answers = [run.log({"loss": float(step)}, step=step) for step in range(200)]
        self.assertTrue(answers[38])
        self.assertFalse(answers[39])  # The buffer reached its high-water mark: time to flush.
        self.assertEqual(run.stats.dropped, 150)
        self.assertEqual(run.stats.buffered, 50)
        self.assertEqual(len(warnings), 1)
        run.end()
        steps = [p["step"] for p in client.get_metric_history(run.id, "loss")]
        self.assertEqual(steps, list(range(150, 200)))
        self.assertTrue(any("150 metric points were dropped" in w for w in warnings))

    def test_a_batch_the_server_refuses_is_raised_by_flush(self) -> None:
        run = self.client.start_run(experiment=self.experiment())
        run.log_params({"notes": "x" * 7000})  # Over the server's 6,000-character limit.
        run.log({"loss": 1.0})
        with self.assertRaises(CairnError) as caught:
            run.flush()
        self.assertEqual(caught.exception.code, "request.invalid")
        self.assertEqual(caught.exception.status, 400)
        run.flush()  # Raised once, not again.
        self.assertEqual(len(self.client.get_metric_history(run.id, "loss")), 1)
        run.end()

    def test_what_is_buffered_at_exit_is_delivered(self) -> None:
        script = textwrap.dedent(
            """
            import cairn
            client = cairn.Client(buffer=cairn.BufferOptions(flush_interval=600))
            run = client.start_run(experiment="at-exit")
            for step in range(20):
                run.log({"loss": step / 10}, step=step)
            print(run.id)
            """
        )
        env = {**os.environ, "CAIRN_URL": self.url, "CAIRN_API_KEY": self.key, "PYTHONPATH": str(local_stack.SRC)}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        run_id = done.stdout.strip()
        self.assertEqual(len(self.client.get_metric_history(run_id, "loss")), 20)
        self.assertEqual(self.client.get_run(run_id)["status"], "RUNNING")

    def test_a_run_shows_as_a_link_to_its_dashboard_page_in_notebooks(self) -> None:
        run = self.client.start_run(experiment=self.experiment(), name="<b>bold</b>")
        shown = run._repr_html_()
        self.assertIn(f'href="{self.url}/run/?id={run.id}"', shown)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;", shown)
        self.assertEqual(run.url, f"{self.url}/run/?id={run.id}")
        run.end()

    def test_resume_run_logs_to_an_existing_run(self) -> None:
        first = self.client.start_run(experiment=self.experiment(), params={"seed": 1})
        first.close()
        again = self.client.resume_run(first.id)
        with self.assertRaises(CairnError) as caught:
            again.log_params({"seed": 2})
        self.assertEqual(caught.exception.code, "runs.param_conflict")
        again.log({"loss": 0.1}, step=7)
        again.end()
        self.assertEqual(self.client.get_metric_history(first.id, "loss")[0]["step"], 7)


if __name__ == "__main__":
    unittest.main()
