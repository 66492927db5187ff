"""Two processes on one data directory see each other's changes as peer notifications."""

import unittest

from tests.support import new_appointment, new_patient, spawn, temp_dir

WAIT_SECONDS = 10.0


class TwoClientsTest(unittest.TestCase):
    def setUp(self) -> None:
        data_dir = temp_dir(self)
        self.window_a = spawn(self, data_dir)
        self.window_b = spawn(self, data_dir)

    def test_a_rename_reaches_the_other_window(self) -> None:
        patient_id = self.window_a.addPatient(new_patient())["id"]
        appointment = self.window_a.addAppointment(new_appointment(patient_id))
        self.window_b.subscribeToUpdates("*", patient_id)

        self.window_a.updatePatientRelatedData(patient_id, {"name": "Johnny Doe"})

        waiting = {("patient", patient_id), ("appointment", appointment["id"])}
        for change in self.window_b.changes(timeout=WAIT_SECONDS):
            self.assertEqual(change["cause"]["origin"], "peer")
            self.assertEqual(change["cause"]["method"], "updatePatientRelatedData")
            waiting.discard((change["entityType"], change["entityId"]))
            if not waiting:
                break
        self.assertEqual(waiting, set())
        renamed = self.window_b.getAppointment(appointment["id"])
        self.assertEqual(renamed["patientName"], "Johnny Doe")

    def test_each_window_gets_its_own_origin(self) -> None:
        self.window_a.subscribeToUpdates("patient")
        self.window_b.subscribeToUpdates("patient")
        self.window_a.addPatient(new_patient())

        own = list(self.window_a.changes(timeout=0))
        peer = next(self.window_b.changes(timeout=WAIT_SECONDS))
        self.assertEqual([c["cause"]["origin"] for c in own], ["self"])
        self.assertEqual(peer["cause"]["origin"], "peer")
        self.assertEqual(peer["sequence"], own[0]["sequence"])


if __name__ == "__main__":
    unittest.main()
