"""Records in and out: round trips, exact money, the seed's positional signatures, the wire."""

import json
import unittest
from decimal import Decimal
from typing import Any

from portal_rpc_client import InvalidParamsError, PortalClient, dumps, loads
from tests.support import FAKE_SERVER, new_appointment, new_patient, spawn


class RoundTripTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = spawn(self)

    def test_add_get_sync(self) -> None:
        added = self.client.addPatient(new_patient())
        self.assertEqual(added["id"], "P001")
        self.assertEqual(added["meta"]["version"], 1)
        self.assertEqual(self.client.getPatient("P001"), added)

        synced = self.client.syncPatientData("P001", {"phone": "(555) 999-0000"})
        self.assertEqual(synced["phone"], "(555) 999-0000")
        self.assertEqual(synced["meta"]["version"], 2)
        self.assertEqual(self.client.getPatient("P001"), synced)

    def test_money_stays_exact(self) -> None:
        patient = self.client.addPatient(new_patient(outstandingBalance=Decimal("0.30")))
        for amount in ("0.10", "0.20"):
            payment = self.client.addTransaction(
                {
                    "patientId": patient["id"],
                    "type": "payment",
                    "amount": Decimal(amount),
                    "method": "cash",
                    "date": "2026-01-16",
                    "description": "Part payment",
                    "status": "completed",
                }
            )
            self.assertIsInstance(payment["amount"], Decimal)
            self.assertEqual(payment["amount"], Decimal(amount))
        balance = self.client.getPatient(patient["id"])["outstandingBalance"]
        self.assertEqual(balance, Decimal("0"))
        self.assertEqual(Decimal("0.30") - Decimal("0.10") - Decimal("0.20"), balance)

    def test_a_param_that_is_not_json_is_refused_before_sending(self) -> None:
        with self.assertRaises(TypeError):
            self.client.call("getPatient", [object()])
        self.assertEqual(self.client.ping(), "pong")

    def test_a_third_decimal_place_is_refused(self) -> None:
        with self.assertRaises(InvalidParamsError) as caught:
            self.client.addPatient(new_patient(outstandingBalance=Decimal("12.345")))
        self.assertEqual([e["path"] for e in caught.exception.errors], ["/outstandingBalance"])


class SeedSignaturesTest(unittest.TestCase):
    """The seed's DataSyncContextType calls, positional, as its usage patterns make them."""

    def setUp(self) -> None:
        self.client = spawn(self)
        self.patient_id = self.client.addPatient(new_patient())["id"]

    def test_sync_across_sections(self) -> None:
        with self.assertRaises(InvalidParamsError):  # a copy of the name takes only the name
            self.client.addAppointment({**new_appointment(self.patient_id), "patientName": "Old"})
        self.client.addAppointment({**new_appointment(self.patient_id), "patientName": "John Doe"})
        self.client.syncPatientData(self.patient_id, {"name": "New Name", "email": "new@email.com"})
        result = self.client.updatePatientRelatedData(self.patient_id, {"name": "John Doe"})

        self.assertEqual(result["patient"]["name"], "John Doe")
        self.assertEqual([r["entityType"] for r in result["related"]], ["appointment"])
        appointments = self.client.getPatientAppointments(self.patient_id)
        self.assertEqual([a["patientName"] for a in appointments], ["John Doe"])

    def test_appointment_creation_updates_patient_data(self) -> None:
        self.client.addAppointment(new_appointment(self.patient_id, "2030-02-05"))
        self.client.updatePatientRelatedData(self.patient_id, {"nextAppointment": "2030-02-05"})
        self.assertEqual(self.client.getPatient(self.patient_id)["nextAppointment"], "2030-02-05")

    def test_optional_params(self) -> None:
        version = self.client.getPatient(self.patient_id)["meta"]["version"]
        updated = self.client.syncPatientData(self.patient_id, {"phone": "555-010-0001"}, version)
        self.assertEqual(updated["meta"]["version"], version + 1)
        subscription = self.client.subscribeToUpdates("patient")["subscriptionId"]
        removed = self.client.unsubscribeFromUpdates(subscriptionId=subscription)
        self.assertEqual(removed, {"removed": 1})
        self.client.addAppointment(new_appointment(self.patient_id))
        deleted = self.client.deletePatient(self.patient_id, cascade=True)
        self.assertEqual(deleted["related"], [{"entityType": "appointment", "id": 1}])


class WireFormatTest(unittest.TestCase):
    """The exact lines the generated methods write, as a stand-in server echoes them back."""

    def setUp(self) -> None:
        self.client = PortalClient.spawn(command=FAKE_SERVER)
        self.addCleanup(self.client.close)

    def test_params_go_in_openrpc_order_without_trailing_nones(self) -> None:
        def params(echoed_line: str) -> object:
            return json.loads(echoed_line)["params"]

        client: Any = self.client  # the fake answers each request with the line it received
        self.assertEqual(params(client.syncPatientData("P001", {"a": 1})), ["P001", {"a": 1}])
        self.assertEqual(params(client.syncPatientData("P001", {"a": 1}, 3)), ["P001", {"a": 1}, 3])
        self.assertEqual(params(client.unsubscribeFromUpdates(subscriptionId=7)), [None, None, 7])
        self.assertEqual(params(client.getPatients()), [])

    def test_decimals_are_sent_as_exact_json_numbers(self) -> None:
        line = self.client.call("addTransaction", [{"amount": Decimal("0.10")}])
        self.assertIn('"params":[{"amount":0.10}]', line)


class ExactJsonTest(unittest.TestCase):
    def test_decimals_go_out_as_exact_numbers(self) -> None:
        value = {"a": Decimal("0.30"), "b": [Decimal("-5"), 1, "x", None]}
        self.assertEqual(dumps(value), '{"a":0.30,"b":[-5,1,"x",null]}')
        with self.assertRaises(ValueError):
            dumps(Decimal("NaN"))

    def test_fractions_come_in_as_decimal_and_whole_numbers_as_int(self) -> None:
        parsed = loads('{"a":0.1,"b":2,"c":1e2}')
        self.assertEqual(parsed, {"a": Decimal("0.1"), "b": 2, "c": Decimal("100")})
        self.assertIsInstance(parsed["a"], Decimal)
        self.assertIsInstance(parsed["b"], int)


if __name__ == "__main__":
    unittest.main()
