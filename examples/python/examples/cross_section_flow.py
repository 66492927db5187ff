#!/usr/bin/env python3
"""The seed's "Cross-Section Data Flow": schedule an appointment, and every section follows.

Starts portal-rpc on a temporary data directory filled with the demo practice, follows one
patient (subscribeToUpdates("*", patientId)), schedules an appointment with addAppointment as the
seed's handleScheduleAppointment does, then calls updatePatientRelatedData(patientId,
{nextAppointment: date}). Each section's update is printed as it arrives. Exits 0 when the
patient's nextAppointment is the new appointment's date, 1 otherwise.

    pip install ./examples/python    # once, in the repository root; or PYTHONPATH=examples/python
    PORTAL_RPC=/path/to/portal-rpc python3 examples/python/examples/cross_section_flow.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from typing import Any

from portal_rpc_client import PortalClient, PortalConnectionError, PortalError
from portal_rpc_client.types import ChangeNotification


def show(value: Any) -> str:
    """A field's new value in a few words."""
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, list) and value:
        return f"{len(value)} entries; newest: {value[0]['title']} ({value[0]['description']})"
    return str(value)


def print_change(change: ChangeNotification) -> None:
    """One line per change, then one per changed field with its new value."""
    print(
        f"  #{change['sequence']} {change['entityType']} {change['entityId']} {change['change']}"
        f" (by {change['cause']['method']})"
    )
    entity = change.get("entity", {})
    if change["change"] == "created" and change["entityType"] == "appointment":
        print(f"      {entity['type']} on {entity['date']} at {entity['time']}, {entity['status']}")
    for field in change.get("fields", []):
        print(f"      {field}: {show(entity.get(field))}")


def run(client: PortalClient) -> int:
    """The flow itself; returns the exit status."""
    patient = client.getPatients({"limit": 1})["items"][0]
    patient_id = patient["id"]
    print(f"Following patient {patient_id} ({patient['name']}),", end=" ")
    print(f"next appointment {patient.get('nextAppointment', 'none')}")
    client.subscribeToUpdates("*", patient_id)
    changes: list[ChangeNotification] = []
    client.on_change(changes.append)
    client.on_change(print_change)

    day = (date.today() + timedelta(days=1)).isoformat()
    print(f"\n1. addAppointment: a consultation on {day}")
    appointment = client.addAppointment(
        {
            "patientId": patient_id,
            "patientName": patient["name"],
            "doctorId": 1,
            "doctorName": patient["assignedDoctor"],
            "date": day,
            "time": "10:00 AM",
            "type": "Consultation",
            "status": "scheduled",
            "notes": "Scheduled from the cross-section example",
        }
    )
    print(f"\n2. updatePatientRelatedData({patient_id!r}, {{'nextAppointment': {day!r}}})")
    seen_before = len(changes)
    client.updatePatientRelatedData(patient_id, {"nextAppointment": day})
    if len(changes) == seen_before:
        print("  (no change: addAppointment had already moved nextAppointment there)")

    created = any(
        c["entityType"] == "appointment" and c["entityId"] == appointment["id"] for c in changes
    )
    next_appointment = client.getPatient(patient_id).get("nextAppointment")
    print(f"\nPatient {patient_id}'s next appointment: {next_appointment}")
    if not created or next_appointment != day:
        print(f"FAILED: expected the appointment's notification and {day}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    try:
        with tempfile.TemporaryDirectory(prefix="portal-cross-section-") as data_dir:
            print(f"Data directory: {data_dir} (removed at the end)")
            with PortalClient.spawn(data_dir=data_dir, demo=True) as client:
                return run(client)
    except (PortalError, PortalConnectionError, FileNotFoundError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
