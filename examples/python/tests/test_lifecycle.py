"""Starting, initializing, closing, and what happens when the process goes away."""

import os
import signal
import subprocess
import unittest
from pathlib import Path

from portal_rpc_client import (
    InvalidRequestError,
    PortalClient,
    PortalConnectionError,
    ServerNotInitializedError,
    find_command,
)
from tests.support import FAKE_SERVER, new_patient, spawn, temp_dir


class LifecycleTest(unittest.TestCase):
    def test_spawn_initializes_and_close_exits_zero(self) -> None:
        data_dir = temp_dir(self)
        client = PortalClient.spawn(data_dir=data_dir)
        info = client.initialize_result
        assert info is not None
        self.assertEqual(info["protocolVersion"], "1.0")
        self.assertEqual(os.path.realpath(str(info["dataDir"])), os.path.realpath(data_dir))
        self.assertIn("dataSync/changed", info["capabilities"]["notifications"])
        self.assertEqual(client.ping(), "pong")
        client.close()
        self.assertEqual(client.process.returncode, 0)

    def test_context_manager_closes_and_later_calls_fail(self) -> None:
        with PortalClient.spawn(in_memory=True) as client:
            self.assertEqual(client.ping(), "pong")
        self.assertEqual(client.process.returncode, 0)
        with self.assertRaisesRegex(PortalConnectionError, "closed"):
            client.ping()
        client.close()  # a second close is harmless

    def test_data_survives_a_restart(self) -> None:
        data_dir = temp_dir(self)
        with PortalClient.spawn(data_dir=data_dir) as first:
            added = first.addPatient(new_patient())
        with PortalClient.spawn(data_dir=data_dir) as second:
            self.assertEqual(second.getPatient(added["id"]), added)

    def test_requests_after_shutdown_are_refused(self) -> None:
        client = spawn(self)
        client.shutdown()
        with self.assertRaises(InvalidRequestError):
            client.ping()

    def test_a_request_before_initialize_is_refused(self) -> None:
        pipe = subprocess.PIPE
        process = subprocess.Popen(
            [*find_command(), "--in-memory"], stdin=pipe, stdout=pipe, stderr=pipe
        )
        client = PortalClient(process)
        self.addCleanup(client.close)
        with self.assertRaises(ServerNotInitializedError):
            client.getPatient("P001")
        client.initialize({"name": "test", "version": "1"}, "1.0")
        self.assertEqual(client.getPatients()["total"], 0)

    def test_a_data_dir_that_cannot_be_used_fails_spawn_with_the_reason(self) -> None:
        blocker = Path(temp_dir(self)) / "a-file"
        blocker.write_text("not a directory")
        with self.assertRaises(PortalConnectionError) as caught:
            PortalClient.spawn(data_dir=blocker / "data")
        self.assertEqual(caught.exception.returncode, 3)
        self.assertRegex(str(caught.exception), r"exited with status 3: \S")

    def test_calls_fail_once_the_process_is_killed(self) -> None:
        client = PortalClient.spawn(in_memory=True)
        client.process.send_signal(signal.SIGKILL)
        client.process.wait()
        with self.assertRaisesRegex(PortalConnectionError, "killed by signal 9"):
            client.ping()
        with self.assertRaises(PortalConnectionError) as caught:
            client.close()
        self.assertEqual(caught.exception.returncode, -signal.SIGKILL)

    def test_a_pending_call_fails_when_the_process_dies(self) -> None:
        client = PortalClient.spawn(command=FAKE_SERVER)
        with self.assertRaises(PortalConnectionError) as caught:
            client.call("crash")  # the fake exits 7 without answering
        self.assertEqual(caught.exception.returncode, 7)
        self.assertIn("exited with status 7: fake_server: crashing as asked", str(caught.exception))
        with self.assertRaises(PortalConnectionError):
            client.close()

    def test_a_call_that_times_out_is_cancelled(self) -> None:
        client = PortalClient.spawn(command=FAKE_SERVER)
        self.addCleanup(client.close)
        with self.assertRaisesRegex(TimeoutError, "hang: no answer within 0.2 s"):
            client.call("hang", timeout=0.2)
        self.assertEqual(client.call("cancelled"), [2])  # its late -32800 answer is ignored
        self.assertEqual(client.ping(), '{"jsonrpc":"2.0","id":4,"method":"ping"}')


if __name__ == "__main__":
    unittest.main()
