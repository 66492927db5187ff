"""What the tests share: clients on fresh temporary data directories, sample records."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

from portal_rpc_client import PortalClient, find_command
from portal_rpc_client.types import NewAppointment, NewPatient

PYTHON_DIR = Path(__file__).resolve().parent.parent  # examples/python
FAKE_SERVER = [sys.executable, str(Path(__file__).with_name("fake_server.py"))]


def temp_dir(test: unittest.TestCase) -> str:
    """A temporary directory removed when the test ends."""
    directory = tempfile.TemporaryDirectory(prefix="portal-test-")
    test.addCleanup(directory.cleanup)
    return directory.name


def spawn(test: unittest.TestCase, data_dir: str | None = None, **options: Any) -> PortalClient:
    """A client on `data_dir` (default: a fresh one); the test fails unless it closes cleanly."""
    client = PortalClient.spawn(data_dir=data_dir or temp_dir(test), **options)
    test.addCleanup(client.close)
    return client


def add_staff(
    data_dir: str, username: str, password: str, role: str = "admin", name: str | None = None
) -> None:
    """Add a staff account (`portal-rpc users add`), which turns sign-in on for the store. The
    password goes in through descriptor 3, as an operator passes it, never in argv."""
    argv = [*find_command(), "users", "add", username, "--role", role, "--data-dir", data_dir]
    argv += ["--name", name] if name else []
    # sh hands the password, sent to its stdin, to portal-rpc as descriptor 3.
    shell = 'exec "$@" --password-fd 3 3<&0 </dev/null'
    done = subprocess.run(
        ["sh", "-c", shell, "sh", *argv], input=password.encode(), capture_output=True, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"portal-rpc users add exited {done.returncode}: {done.stderr!r}")


def new_patient(name: str = "John Doe", **fields: Any) -> NewPatient:
    """A valid patient for addPatient, as in the seed's transcripts."""
    patient: NewPatient = {
        "name": name,
        "email": name.lower().replace(" ", ".") + "@example.com",
        "phone": "(555) 111-2222",
        "dob": "1970-01-01",
        "address": "1 Elm St, Springfield, IL 62701",
        "status": "active",
        "assignedDoctor": "Dr. Michael Chen",
        "insurance": {"provider": "Aetna", "memberId": "AET1", "group": "G1", "status": "active"},
        "emergencyContact": {
            "name": "Jane Doe",
            "relationship": "Spouse",
            "phone": "(555) 111-3333",
        },
        "medicalHistory": {"conditions": [], "allergies": [], "medications": []},
    }
    patient.update(fields)  # type: ignore[typeddict-item]
    return patient


def new_appointment(patient_id: str | int, day: str = "2030-02-20") -> NewAppointment:
    """A scheduled follow-up for the patient, as in the seed's handleScheduleAppointment."""
    return {
        "patientId": patient_id,
        "doctorId": 1,
        "doctorName": "Dr. Michael Chen",
        "date": day,
        "time": "10:00 AM",
        "type": "Follow-up",
        "status": "scheduled",
    }
