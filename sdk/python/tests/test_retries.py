"""Retries through a proxy that fails chosen requests: nothing is lost, nothing is logged twice."""

from __future__ import annotations

import json
import time
import unittest
import uuid

import local_stack
from flaky_proxy import FlakyProxy

import cairn
from cairn import BufferOptions, CairnError, RetryPolicy

FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


def setUpModule() -> None:
    local_stack.start()


def log_batches(method: str, path: str) -> bool:
    return method == "POST" and path.endswith("/log")


class RetryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url, cls.key = local_stack.new_tenant()
        cls.direct = cairn.Client(cls.url, cls.key)

    def setUp(self) -> None:
        self.proxy = FlakyProxy(self.url)
        self.addCleanup(self.proxy.close)
        self.client = cairn.Client(self.proxy.url, self.key, retry=FAST, buffer=BufferOptions(batch_size=1000))

    def test_metric_batches_survive_refusals_and_drops_without_duplicates(self) -> None:
        run = self.client.start_run(experiment=f"retry-{uuid.uuid4().hex[:8]}")
        self.proxy.fail(log_batches, "503", "drop-after", "drop-before", "drop-after")
        for step in range(3500):
            run.log({"loss": step / 3500}, step=step)
        run.end()

        # Every fault was met, and the batches dropped after forwarding reached the server twice…
        faults = [fault for _, _, fault in self.proxy.faulted]
        self.assertEqual(faults, ["503", "drop-after", "drop-before", "drop-after"])
        batch_ids = [json.loads(body)["batchId"] for m, path, body in self.proxy.forwarded if log_batches(m, path)]
        self.assertEqual(len(batch_ids) - len(set(batch_ids)), 2)
        # …yet each point is stored once, because the server logs a batch id once.
        steps = [p["step"] for p in self.direct.get_metric_history(run.id, "loss")]
        self.assertEqual(steps, list(range(3500)))
        self.assertEqual(run.stats.sent, 3500)

    def test_params_and_tags_are_retried_with_their_batch_id(self) -> None:
        run = self.client.start_run(experiment=f"retry-{uuid.uuid4().hex[:8]}")
        self.proxy.fail(log_batches, "drop-after", "503")
        run.log_params({"lr": 0.01})
        run.set_tags({"team": "vision"})
        run.end()
        record = self.direct.get_run(run.id)
        self.assertEqual(record["params"], {"lr": "0.01"})
        self.assertEqual(record["tags"]["team"], "vision")

    def test_a_create_that_may_have_been_acted_on_is_not_repeated(self) -> None:
        name = f"once-{uuid.uuid4().hex[:8]}"
        self.proxy.fail(lambda method, path: method == "POST" and path == "/api/v1/experiments", "drop-after")
        with self.assertRaises(CairnError) as caught:
            self.client.experiments.create(name)
        self.assertEqual(caught.exception.code, "network.unreachable")
        creates = [p for m, p, _ in self.proxy.forwarded if m == "POST" and p == "/api/v1/experiments"]
        self.assertEqual(len(creates), 1)
        self.assertEqual(self.direct.experiments.get_by_name(name)["name"], name)

    def test_a_refused_create_is_retried(self) -> None:
        name = f"refused-{uuid.uuid4().hex[:8]}"
        self.proxy.fail(lambda method, path: method == "POST" and path == "/api/v1/experiments", "503", "503")
        self.assertEqual(self.client.experiments.create(name)["name"], name)

    def test_retry_after_is_honoured(self) -> None:
        proxy = FlakyProxy(self.url, retry_after="1")
        self.addCleanup(proxy.close)
        client = cairn.Client(proxy.url, self.key, retry=FAST)
        proxy.fail(lambda method, path: path == "/api/v1/tenant", "503")
        started = time.monotonic()
        client.tenant()
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_client_errors_are_final(self) -> None:
        with self.assertRaises(CairnError) as caught:
            self.client.get_run("0" * 32)
        self.assertEqual((caught.exception.code, caught.exception.status), ("runs.not_found", 404))
        self.assertIsNotNone(caught.exception.request_id)
        self.assertEqual(len([p for _, p, _ in self.proxy.forwarded if p.startswith("/api/v1/runs/")]), 1)

    def test_an_unreachable_server_fails_after_every_attempt(self) -> None:
        client = cairn.Client(f"http://127.0.0.1:{local_stack.free_port()}", self.key, retry=FAST)
        with self.assertRaises(CairnError) as caught:
            client.tenant()
        self.assertEqual(caught.exception.code, "network.unreachable")
        self.assertEqual(caught.exception.details, {"attempts": 5})

    def test_a_proxy_error_without_cairn_json_gets_an_http_code(self) -> None:
        self.proxy.fail(lambda method, path: path == "/api/v1/tenant", ("json", 418, {"message": "teapot"}))
        with self.assertRaises(CairnError) as caught:
            self.client.tenant()
        self.assertEqual(caught.exception.code, "http.418")
        self.assertIn("teapot", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
