"""JSON-RPC errors become one exception class per code, with their data at hand."""

import pickle
import unittest

from portal_rpc_client import (
    ERROR_CLASSES,
    InvalidParamsError,
    MethodNotFoundError,
    NotFoundError,
    ParseError,
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
            self.client.syncAppointmentData(appointment["id"], {"status": "booked", "roomNumber": 4})
        paths = sorted(error["path"] for error in caught.exception.errors)
        self.assertEqual(paths, ["/roomNumber", "/status"])
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

    def test_pickling_keeps_code_message_and_data(self) -> None:
        error = error_from({"code": -32001, "message": "Not found", "data": {"id": 7}})
        copy = pickle.loads(pickle.dumps(error))
        self.assertEqual(
            (type(copy), copy.code, copy.data, str(copy)),
            (NotFoundError, -32001, {"id": 7}, str(error)),
        )


class MessagesShowNoValuesTest(unittest.TestCase):
    """str() and repr() are built from the code, the server's message, field names and the ids
    the server assigns: what a client sent by mistake (a name as an id or as a key) stays out."""

    def test_an_id_the_server_withheld_reads_as_that_id(self) -> None:
        error = error_from(not_found("patient", None))
        self.assertEqual(str(error), "Not found (-32001): no patient with that id")

    def test_only_ids_of_the_form_the_server_assigns_are_shown(self) -> None:
        shown = {"P404": "no patient P404", 7: "no patient 7", "P0007x": "no patient with that id"}
        shown |= {"AET1": "no patient with that id", True: "no patient with that id"}
        for record_id, detail in shown.items():
            with self.subTest(id=record_id):
                self.assertEqual(error_from(not_found("patient", record_id)).detail(), detail)
        self.assertEqual(error_from(not_found("Sarah", 7)).detail(), "no record 7")

    def test_a_path_shows_names_and_indexes_and_withholds_other_keys(self) -> None:
        # As the server does, for one that does not (yet): the same rule, the same placeholder.
        errors = [
            {"path": "/insurance/Sarah Johnson", "message": "unknown field"},
            {"path": "/SJ1234", "message": "unknown field"},
            {"path": "/asthma", "message": "unknown field"},
            {"path": "/roomNumber", "message": "unknown field"},
            {"path": "/room_number/a~1b", "message": "unknown field"},
            {"path": "/medicalHistory/conditions/0", "message": "must be a string"},
            {"path": "/<withheld>", "message": "unknown field"},
            {"path": "", "message": "must be an object"},
        ]
        error = error_from(
            {"code": -32602, "message": "Invalid params", "data": {"errors": errors}}
        )
        self.assertEqual(
            str(error),
            "Invalid params (-32602): /insurance/<withheld> unknown field; "
            "/<withheld> unknown field; /<withheld> unknown field; /roomNumber unknown field; "
            "/room_number/<withheld> unknown field; /medicalHistory/conditions/0 must be a string; "
            "/<withheld> unknown field; / must be an object",
        )
        assert isinstance(error, InvalidParamsError)
        self.assertEqual(error.errors, errors)  # the data keeps what the server sent

    def test_repr_leaves_the_data_out(self) -> None:
        data = {"entityType": "patient", "id": "P001", "currentVersion": 3, "expectedVersion": 2}
        error = error_from(
            {
                "code": -32003,
                "message": "Version conflict",
                "data": {**data, "current": {"name": "Sarah Johnson"}},
            }
        )
        self.assertEqual(repr(error), "VersionConflictError(-32003, 'Version conflict')")
        self.assertEqual(
            str(error), "Version conflict (-32003): patient P001 is at version 3, not 2"
        )
        assert isinstance(error, VersionConflictError)
        self.assertEqual(error.current, {"name": "Sarah Johnson"})

    def test_a_method_not_found_names_only_known_methods(self) -> None:
        data = {"method": "Sarah Johnson", "suggestions": ["getPatient", "Sarah"]}
        error = error_from({"code": -32601, "message": "Method not found", "data": data})
        self.assertEqual(str(error), "Method not found (-32601): did you mean getPatient?")

    def test_a_parse_error_withholds_the_key_it_quotes(self) -> None:
        data = {"detail": 'duplicate object key "Sarah Johnson" at byte 40'}
        error = error_from({"code": -32700, "message": "Parse error", "data": data})
        self.assertIsInstance(error, ParseError)
        self.assertEqual(
            str(error), 'Parse error (-32700): duplicate object key "<withheld>" at byte 40'
        )


def not_found(entity_type: object, record_id: object) -> dict[str, object]:
    """A -32001 error object as the server writes it."""
    return {
        "code": -32001,
        "message": "Not found",
        "data": {"entityType": entity_type, "id": record_id},
    }


if __name__ == "__main__":
    unittest.main()
