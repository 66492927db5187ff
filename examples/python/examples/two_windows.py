#!/usr/bin/env python3
"""Two windows on one data directory: a rename in window A reaches window B.

Starts two portal-rpc processes on the same temporary data directory (A fills it with the demo
practice). Window B follows one patient; window A renames that patient with
updatePatientRelatedData. B prints the peer notifications (cause.origin == "peer") for the patient
and for every record that carried the old name. Exits 0 when B saw all of them with the new name,
1 otherwise.

    pip install ./examples/python    # once, in the repository root; or PYTHONPATH=examples/python
    PORTAL_RPC=/path/to/portal-rpc python3 examples/python/examples/two_windows.py
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from typing import Any

from portal_rpc_client import PortalClient, PortalConnectionError, PortalError

WAIT_SECONDS = 10.0
Record = tuple[str, str | int]  # (entityType, id)


def records_named(client: PortalClient, patient_id: str | int, name: str) -> set[Record]:
    """Every record of the patient that carries `name` as its patientName copy."""
    lists: dict[str, Callable[[str | int], list[Any]]] = {
        "appointment": client.getPatientAppointments,
        "messageThread": client.getPatientMessages,
        "prescription": client.getPatientPrescriptions,
        "document": client.getPatientDocuments,
        "carePlan": client.getPatientCarePlans,
        "transaction": client.getPatientTransactions,
        "insuranceClaim": client.getPatientInsuranceClaims,
    }
    return {
        (entity_type, record["id"])
        for entity_type, get_records in lists.items()
        for record in get_records(patient_id)
        if record["patientName"] == name
    }


def run(window_a: PortalClient, window_b: PortalClient) -> int:
    """The rename and what window B sees of it; returns the exit status."""
    patient = window_a.getPatients({"limit": 1})["items"][0]
    patient_id, old_name = patient["id"], patient["name"]
    new_name = f"{old_name}-Lee"
    expected = {("patient", patient_id)} | records_named(window_a, patient_id, old_name)

    window_b.subscribeToUpdates("*", patient_id)
    print(f"Window B follows {patient_id}.")
    print(f"Window A renames {old_name!r} to {new_name!r}; {len(expected) - 1} records carry it.")
    window_a.updatePatientRelatedData(patient_id, {"name": new_name})

    waiting = set(expected)
    for change in window_b.changes(timeout=WAIT_SECONDS):
        record = (change["entityType"], change["entityId"])
        entity = change.get("entity", {})
        name = entity.get("name" if record[0] == "patient" else "patientName")
        print(
            f"  B <- #{change['sequence']} {record[0]} {record[1]} {change['change']}"
            f" {change.get('fields', [])}, origin {change['cause']['origin']}: {name!r}"
        )
        if change["cause"]["origin"] == "peer" and name == new_name:
            waiting.discard(record)
        if not waiting:
            break
    if waiting:
        print(f"FAILED: no peer notification within {WAIT_SECONDS} s for {sorted(waiting)}")
        return 1
    print(f"Window B saw all {len(expected)} records renamed by its peer.")
    return 0


def main() -> int:
    try:
        with tempfile.TemporaryDirectory(prefix="portal-two-windows-") as data_dir:
            print(f"Data directory: {data_dir} (removed at the end)")
            with (
                PortalClient.spawn(data_dir=data_dir, demo=True) as window_a,
                PortalClient.spawn(data_dir=data_dir) as window_b,
            ):
                return run(window_a, window_b)
    except (PortalError, PortalConnectionError, FileNotFoundError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
