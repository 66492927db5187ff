"""JSON-RPC errors become one exception class per code, with their data at hand."""

import unittest

from portal_rpc_client import (
    ERROR_CLASSES,
    InvalidParamsError,
    MethodNotFoundError,
    NotFoundError,
    PortalError,
    RelatedRecordsExistError,
    VersionConflictError,
    error_from,
)
from portal_rpc_client.types import TransactionOperationsItem
from tests.support import new_appointment, new_patient, spawn


class ServerErrorsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = spawn(self)
        self.patient = self.client.addPatient(new_patient())

    def test_not_found(self) -> None:
        with self.assertRaises(NotFoundError) as caught:
            self.client.getPatient("P404")
        error = caught.exception
        self.assertEqual(error.data, {"entityType": "patient", "id": "P404"})
        self.assertEqual(str(error), "Not found (-32001): no patient P404")

    def test_invalid_params_lists_every_path(self) -> None:
        appointment = self.client.addAppointment(new_appointment(self.patient["id"]))
        with self.assertRaises(InvalidParamsError) as caught:
            self.client.syncAppointmentData(appointment["id"], {"status": "booked", "room": 4})
        paths = sorted(error["path"] for error in caught.exception.errors)
        self.assertEqual(paths, ["/room", "/status"])
        self.assertIn("/status must be one of", str(caught.exception))

    def test_version_conflict_carries_the_current_record(self) -> None:
        self.client.syncPatientData(self.patient["id"], {"phone": "(555) 000-0001"})
        with self.assertRaises(VersionConflictError) as caught:
            self.client.syncPatientData(self.patient["id"], {"phone": "(555) 000-0002"}, 1)
        current = caught.exception.current
        self.assertEqual(current["phone"], "(555) 000-0001")
        self.assertEqual(current["meta"]["version"], 2)
        self.assertNotIn("555", str(caught.exception))  # no patient values in the message

    def test_related_records_exist_counts_them(self) -> None:
        self.client.addAppointment(new_appointment(self.patient["id"]))
        with self.assertRaises(RelatedRecordsExistError) as caught:
            self.client.deletePatient(self.patient["id"])
        self.assertEqual(caught.exception.related, {"appointments": 1})

    def test_method_not_found_through_call(self) -> None:
        with self.assertRaises(MethodNotFoundError) as caught:
            self.client.call("getPatien", ["P001"])
        self.assertIn("getPatient", caught.exception.suggestions)

    def test_a_failed_transaction_names_the_operation(self) -> None:
        operations: list[TransactionOperationsItem] = [
            {"method": "addAppointment", "params": [new_appointment(self.patient["id"])]},
            {"method": "deleteAppointment", "params": [404]},
        ]
        with self.assertRaises(NotFoundError) as caught:
            self.client.transaction(operations)
        self.assertEqual(caught.exception.data["index"], 1)
        self.assertEqual(self.client.getPatientAppointments(self.patient["id"]), [])


class ErrorMappingTest(unittest.TestCase):
    def test_every_code_has_its_class(self) -> None:
        for code, error_class in ERROR_CLASSES.items():
            with self.subTest(code=code):
                error = error_from({"code": code, "message": "m", "data": {"detail": "d"}})
                self.assertIs(type(error), error_class)
                self.assertEqual((error.code, error.message), (code, "m"))
                self.assertEqual(error.data, {"detail": "d"})

    def test_an_unknown_code_is_a_plain_portal_error(self) -> None:
        error = error_from({"code": -32099, "message": "Something new"})
        self.assertIs(type(error), PortalError)
        self.assertEqual(str(error), "Something new (-32099)")


if __name__ == "__main__":
    unittest.main()
