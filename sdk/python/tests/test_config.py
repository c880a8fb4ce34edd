"""Where the client finds its server and key (no stack needed), and the retry arithmetic."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import local_stack  # noqa: F401 - puts the source tree on the path

import cairn
from cairn import CairnError
from cairn.config import resolve_connection
from cairn.transport import backoff_delay, parse_retry_after

LOCAL = {"url": "http://127.0.0.1:9999", "tenant": "default", "apiKey": "cairn_local", "operatorKey": "cairn_op"}


class ConfigTest(unittest.TestCase):
    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cairn-py-config-")).resolve()
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        (self.root / ".cairn").mkdir()
        (self.root / ".cairn" / "local.json").write_text(json.dumps(LOCAL))
        self.deep = self.root / "notebooks" / "team"
        self.deep.mkdir(parents=True)

    def test_local_json_is_found_walking_up_from_the_working_folder(self) -> None:
        found = resolve_connection(env={}, cwd=self.deep)
        self.assertEqual((found.url, found.api_key, found.operator_key), (LOCAL["url"], "cairn_local", "cairn_op"))

    def test_the_environment_wins_over_local_json(self) -> None:
        env = {"CAIRN_URL": "https://cairn.example.com/", "CAIRN_API_KEY": "cairn_env"}
        found = resolve_connection(env=env, cwd=self.deep)
        self.assertEqual((found.url, found.api_key), ("https://cairn.example.com", "cairn_env"))

    def test_local_keys_never_go_to_another_server(self) -> None:
        found = resolve_connection(env={"CAIRN_URL": "https://cairn.example.com"}, cwd=self.deep)
        self.assertEqual((found.api_key, found.operator_key), (None, None))
        same = resolve_connection(env={"CAIRN_URL": LOCAL["url"] + "/"}, cwd=self.deep)
        self.assertEqual(same.api_key, "cairn_local")

    def test_cairn_data_dir_names_the_stack(self) -> None:
        other = self.root / "elsewhere"
        other.mkdir()
        elsewhere = {**LOCAL, "url": "http://127.0.0.1:7777", "apiKey": "cairn_other"}
        (other / "local.json").write_text(json.dumps(elsewhere))
        found = resolve_connection(env={"CAIRN_DATA_DIR": str(other)}, cwd=self.deep)
        self.assertEqual((found.url, found.api_key), ("http://127.0.0.1:7777", "cairn_other"))

    def test_no_server_anywhere_is_a_clear_error(self) -> None:
        with tempfile.TemporaryDirectory() as empty:
            with self.assertRaises(CairnError) as caught:
                resolve_connection(env={}, cwd=Path(empty))
        self.assertEqual(caught.exception.code, "client.not_configured")

    def test_a_broken_local_json_is_reported_with_its_path(self) -> None:
        (self.root / ".cairn" / "local.json").write_text("{not json")
        with self.assertRaises(CairnError) as caught:
            resolve_connection(env={}, cwd=self.deep)
        self.assertEqual(caught.exception.code, "client.not_configured")
        self.assertIn("local.json", caught.exception.message)

    def test_a_call_without_a_key_says_how_to_give_one(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            client = cairn.Client("http://127.0.0.1:9")
        with self.assertRaises(CairnError) as caught:
            client.tenant()
        self.assertEqual(caught.exception.code, "client.not_configured")
        self.assertIn("CAIRN_API_KEY", str(caught.exception))


class RetryArithmeticTest(unittest.TestCase):
    def test_retry_after_reads_seconds_and_http_dates(self) -> None:
        self.assertEqual(parse_retry_after("3"), 3.0)
        self.assertEqual(parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0), 10.0)
        self.assertIsNone(parse_retry_after("soon"))
        self.assertIsNone(parse_retry_after(None))

    def test_backoff_is_jittered_between_half_and_all_of_the_step(self) -> None:
        self.assertEqual(backoff_delay(1, 0.25, 10, rand=lambda: 0.0), 0.125)
        self.assertEqual(backoff_delay(3, 0.25, 10, rand=lambda: 1.0), 1.0)
        self.assertEqual(backoff_delay(20, 0.25, 10, rand=lambda: 1.0), 10.0)

    def test_error_codes_match_exactly_or_by_prefix(self) -> None:
        error = CairnError("runs.not_found", "Run x does not exist", status=404)
        self.assertTrue(error.matches("runs.not_found"))
        self.assertTrue(error.matches("runs."))
        self.assertFalse(error.matches("runs"))
        self.assertEqual(str(error), "runs.not_found: Run x does not exist")


if __name__ == "__main__":
    unittest.main()
