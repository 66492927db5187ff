"""dataSync/changed: in sequence order, and before the response of the request that caused it."""

import threading
import unittest

from portal_rpc_client.types import ChangeNotification
from tests.support import new_appointment, new_patient, spawn


class NotificationsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = spawn(self)
        self.patient_id = self.client.addPatient(new_patient())["id"]
        self.client.subscribeToUpdates("*", self.patient_id)

    def assert_caused_by_add_appointment(self, changes: list[ChangeNotification]) -> None:
        """The appointment's creation, then the patient's derived fields, numbered in order."""
        sequences = [change["sequence"] for change in changes]
        self.assertEqual(sequences, list(range(sequences[0], sequences[0] + 2)))
        self.assertEqual(
            [(c["entityType"], c["change"], c["cause"]["origin"]) for c in changes],
            [("appointment", "created", "self"), ("patient", "updated", "self")],
        )
        self.assertIn("nextAppointment", changes[1]["fields"])

    def test_callbacks_run_before_the_call_returns(self) -> None:
        received: list[ChangeNotification] = []
        self.client.on_change(received.append)
        self.client.addAppointment(new_appointment(self.patient_id))
        self.assert_caused_by_add_appointment(received)  # already there: no waiting

    def test_the_iterator_has_them_when_the_call_returns(self) -> None:
        self.client.addAppointment(new_appointment(self.patient_id))
        self.assert_caused_by_add_appointment(list(self.client.changes(timeout=0)))

    def test_a_removed_callback_is_not_called(self) -> None:
        received: list[ChangeNotification] = []
        remove = self.client.on_change(received.append)
        remove()
        self.client.syncPatientData(self.patient_id, {"phone": "555-010-0001"})
        self.assertEqual(received, [])

    def test_unsubscribing_stops_the_notifications(self) -> None:
        self.client.unsubscribeFromUpdates("*", self.patient_id)
        self.client.syncPatientData(self.patient_id, {"phone": "555-010-0001"})
        self.assertEqual(list(self.client.changes(timeout=0)), [])

    def test_a_callback_cannot_wait_on_the_client(self) -> None:
        errors: list[Exception] = []

        def call_back_into_the_client(change: ChangeNotification) -> None:
            try:
                self.client.ping()
            except RuntimeError as error:
                errors.append(error)

        self.client.on_change(call_back_into_the_client)
        self.client.syncPatientData(self.patient_id, {"phone": "555-010-0001"})
        self.assertEqual(len(errors), 1)

    def test_a_failing_callback_does_not_stop_the_others(self) -> None:
        def fail(change: ChangeNotification) -> None:
            raise ValueError("callback bug")

        received = threading.Event()
        self.client.on_change(fail)
        self.client.on_change(lambda change: received.set())
        with self.assertLogs("portal_rpc_client", level="ERROR"):
            self.client.syncPatientData(self.patient_id, {"phone": "555-010-0001"})
        self.assertTrue(received.is_set())
        self.assertEqual(self.client.ping(), "pong")

    def test_the_iterator_ends_when_the_client_closes(self) -> None:
        self.client.close()
        self.assertEqual(list(self.client.changes(timeout=None)), [])


if __name__ == "__main__":
    unittest.main()
