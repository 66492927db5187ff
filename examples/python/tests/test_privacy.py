"""No patient value from the store reaches anything the client writes: an exception's str() or
repr(), or a log line, whatever mistake the caller makes with those values."""

import json
import logging
import traceback
import unittest
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from portal_rpc_client import PortalError, VersionConflictError, find_command
from tests.support import new_appointment, new_patient, spawn

# One patient's values, each unlike any field name, method name, id or server message.
NAME = "Quentin Zablocki-Marsh"
GIVEN_NAME = "Quentin"
VALUES: dict[str, Any] = {
    "name": NAME,
    "email": "q.zablocki@example.org",
    "phone": "(555) 867-5309",
    "dob": "1961-07-14",
    "address": "77 Wisteria Lane, Fairview, OH 45001",
    "insurance": {
        "provider": "Cigna",
        "memberId": "ZQX4471",
        "group": "GRP8812",
        "status": "active",
    },
    "emergencyContact": {
        "name": "Rosalind Zablocki",
        "relationship": "Sister",
        "phone": "(555) 867-5310",
    },
    "medicalHistory": {
        "conditions": ["Hypothyroidism"],
        "allergies": ["Latex"],
        "medications": ["Levothyroxine"],
    },
}
NOTES = "Bring the thyroid panel from Dr. Osei"
DESCRIPTION = "Thyroid panel, fasting"
AMOUNT = Decimal("1234.56")


def strings(value: Any) -> set[str]:
    """Every string (and money amount, as text) inside a JSON value."""
    if isinstance(value, dict):
        return set().union(*(strings(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(strings(item) for item in value))
    return {str(value)} if isinstance(value, (str, Decimal)) else set()


class Lines(logging.Handler):
    """Keeps each record as the line a log would show."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class PrivacyTest(unittest.TestCase):
    def setUp(self) -> None:
        handler = Lines()
        self.logs = handler.lines
        logger = logging.getLogger("portal_rpc_client")
        logger.addHandler(handler)
        level = logger.level
        logger.setLevel(logging.DEBUG)
        self.addCleanup(logger.setLevel, level)
        self.addCleanup(logger.removeHandler, handler)

        # The server's own log, at its most detailed, comes through the client's logger too.
        self.client = spawn(self, command=[*find_command(), "--log-level", "debug"])
        self.patient = self.client.addPatient(new_patient(**VALUES))
        self.patient_id = self.patient["id"]
        appointment: Any = {**new_appointment(self.patient_id), "notes": NOTES}
        self.appointment = self.client.addAppointment(appointment)
        self.client.addTransaction(
            {
                "patientId": self.patient_id,
                "type": "charge",
                "amount": AMOUNT,
                "date": "2026-01-16",
                "description": DESCRIPTION,
                "status": "completed",
            }
        )
        # The enum words (active) are vocabulary that messages list; the rest is the patient's.
        self.values = strings(VALUES) - {"active", "Sister"} | {NOTES, DESCRIPTION, str(AMOUNT)}
        self.values.add(GIVEN_NAME)  # a part of a value, sent alone below
        stored = json.dumps(self.client.getPatient(self.patient_id), default=str)
        stored += json.dumps(self.client.getPatientAppointments(self.patient_id), default=str)
        for value in self.values - {GIVEN_NAME}:
            self.assertIn(value, stored)  # they are in the store, so the scan below means something

    def errors_from(self, mistakes: list[Callable[[], Any]]) -> list[PortalError]:
        """Make each call, which must fail with a PortalError; the errors."""
        errors = []
        for mistake in mistakes:
            with self.assertRaises(PortalError) as caught:
                mistake()
            errors.append(caught.exception)
        return errors

    def test_no_value_reaches_a_message_a_repr_or_a_log(self) -> None:
        client: Any = self.client  # the mistakes below are what the types would refuse
        pid, email, member_id = self.patient_id, VALUES["email"], "ZQX4471"
        errors = self.errors_from(
            [
                # A value where an id belongs: one the server withholds, and ones it repeats.
                lambda: client.getPatient(NAME),
                lambda: client.getPatient(email),
                lambda: client.getPatient(member_id),
                lambda: client.getPatient(GIVEN_NAME),
                lambda: client.getAppointment(member_id),
                lambda: client.getPatientAppointments(GIVEN_NAME),
                lambda: client.subscribeToUpdates("patient", member_id),
                # A value where a key belongs, at the top and nested, in a record and a query.
                lambda: client.syncPatientData(pid, {NAME: True, member_id: 1}),
                lambda: client.syncPatientData(pid, {"insurance": {GIVEN_NAME: "x"}}),
                lambda: client.getPatients({"filter": {member_id: "x"}}),
                lambda: client.addPatient({**new_patient(), email: 1}),
                # A value in the wrong field, and a value that fails its field's rules.
                lambda: client.syncPatientData(pid, {"dob": NAME, "email": VALUES["phone"]}),
                lambda: client.syncPatientData(pid, {"status": "Hypothyroidism"}),
                lambda: client.syncAppointmentData(self.appointment["id"], {"time": NOTES}),
                # Errors whose data holds the record.
                lambda: client.syncPatientData(pid, {"phone": "(555) 000-0000"}, 1),
                lambda: client.deletePatient(pid),
                lambda: client.transaction([{"method": "getPatient", "params": [member_id]}]),
                # A value where a method name belongs.
                lambda: client.call(member_id, [NAME]),
                lambda: client.call(NAME),
            ]
        )
        conflict = next(error for error in errors if isinstance(error, VersionConflictError))
        self.assertIn(NAME, strings(conflict.current))  # the data keeps what the messages leave out

        self.client.close()  # so that every line the server wrote has been logged
        written = [str(error) for error in errors] + [repr(error) for error in errors]
        written += ["".join(traceback.format_exception_only(error)) for error in errors]
        for text in written + self.logs:
            for value in self.values:
                self.assertNotIn(value, text)
        self.assertTrue(self.logs, "the server logged nothing at debug level")
        self.assertIn("Invalid params (-32602): /insurance/<withheld> unknown field", written)


if __name__ == "__main__":
    unittest.main()
