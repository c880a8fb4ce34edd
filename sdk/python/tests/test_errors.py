"""Server errors arrive as CairnError with the server's code, status, details and request id."""

from __future__ import annotations

import unittest

import local_stack

import cairn
from cairn import CairnError


def setUpModule() -> None:
    local_stack.start()


class ErrorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url, cls.key = local_stack.new_tenant()
        cls.client = cairn.Client(cls.url, cls.key)

    def test_invalid_input_carries_the_fields_at_fault(self) -> None:
        with self.assertRaises(CairnError) as caught:
            self.client.request("POST", "/runs", {"experimentId": "0", "bogus": 1})
        error = caught.exception
        self.assertEqual((error.code, error.status), ("request.invalid", 400))
        self.assertEqual(error.details["issues"][0]["path"], "body.bogus")
        self.assertTrue(error.request_id)

    def test_a_wrong_key_is_refused(self) -> None:
        client = cairn.Client(self.url, "cairn_" + "x" * 43)
        with self.assertRaises(CairnError) as caught:
            client.tenant()
        self.assertEqual(caught.exception.status, 401)
        self.assertTrue(caught.exception.matches("auth."))

    def test_missing_things_are_not_found(self) -> None:
        with self.assertRaises(CairnError) as caught:
            self.client.experiments.get_by_name("never-made")
        self.assertEqual(caught.exception.code, "experiments.not_found")
        with self.assertRaises(CairnError) as run:
            self.client.start_run(experiment_id="424242")
        self.assertTrue(run.exception.matches("experiments."))

    def test_conflicting_arguments_are_caught_before_sending(self) -> None:
        with self.assertRaises(CairnError) as caught:
            self.client.start_run(experiment="a", experiment_id="0")
        self.assertEqual(caught.exception.code, "client.invalid_argument")


if __name__ == "__main__":
    unittest.main()
