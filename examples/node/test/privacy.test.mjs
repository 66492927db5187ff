// No patient value from the store reaches anything the client writes (an error's message, its
// stack, the error as console.log prints it, a log event), whatever mistake the caller makes with
// those values.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { defaultCommand, PortalClient, PortalError, VersionConflictError } from '../portal-client.mjs';
import { newAppointment, newPatient, testStore, TIMEOUT } from '../testkit.mjs';

// One patient's values, each unlike any field name, method name, id or server message.
const NAME = 'Quentin Zablocki-Marsh';
const GIVEN_NAME = 'Quentin';
const MEMBER_ID = 'ZQX4471';
const VALUES = {
  name: NAME,
  email: 'q.zablocki@example.org',
  phone: '(555) 867-5309',
  dob: '1961-07-14',
  address: '77 Wisteria Lane, Fairview, OH 45001',
  insurance: { provider: 'Cigna', memberId: MEMBER_ID, group: 'GRP8812', status: 'active' },
  emergencyContact: { name: 'Rosalind Zablocki', relationship: 'Sister', phone: '(555) 867-5310' },
  medicalHistory: { conditions: ['Hypothyroidism'], allergies: ['Latex'], medications: ['Levothyroxine'] },
};
const NOTES = 'Bring the thyroid panel from Dr. Osei';
const DESCRIPTION = 'Thyroid panel, fasting';
const AMOUNT = 1234.56;

/** Every string (and number with a fraction, as text) inside a JSON value. */
function strings(value) {
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return typeof value === 'string' || (typeof value === 'number' && !Number.isInteger(value)) ? [String(value)] : [];
}

test('no patient value reaches a message, a printed error or a log line', TIMEOUT, async (t) => {
  const { dataDir } = await testStore(t);
  // The server's own log, at its most detailed, comes through the client's 'log' event; the
  // client is made by hand to listen from the first line.
  const child = spawn(defaultCommand(), ['--data-dir', dataDir, '--log-level', 'debug'], { stdio: 'pipe' });
  const client = new PortalClient(child);
  t.after(() => client.kill());
  const logs = [];
  client.on('log', (line) => logs.push(line));
  await client.initialize({ name: 'privacy-test', version: '1' });

  const { id: patientId } = await client.addPatient(newPatient(VALUES));
  const appointment = await client.addAppointment(newAppointment(patientId, { notes: NOTES }));
  await client.addTransaction({ patientId, type: 'charge', amount: AMOUNT, date: '2026-01-16', description: DESCRIPTION, status: 'completed' });
  // The enum words (active) are vocabulary that messages list; the rest is the patient's.
  const values = new Set([...strings(VALUES), NOTES, DESCRIPTION, String(AMOUNT)].filter((v) => !['active', 'Sister'].includes(v)));
  const stored = JSON.stringify([await client.getPatient(patientId), await client.getPatientAppointments(patientId)]);
  for (const value of values) assert.ok(stored.includes(value), `${value} is not in the store`);
  values.add(GIVEN_NAME); // a part of a value, sent alone below

  const mistakes = [
    // A value where an id belongs: one the server withholds, and ones it repeats.
    () => client.getPatient(NAME),
    () => client.getPatient(VALUES.email),
    () => client.getPatient(MEMBER_ID),
    () => client.getPatient(GIVEN_NAME),
    () => client.getAppointment(MEMBER_ID),
    () => client.getPatientAppointments(GIVEN_NAME),
    () => client.subscribeToUpdates('patient', MEMBER_ID),
    // A value where a key belongs, at the top and nested, in a record and a query.
    () => client.syncPatientData(patientId, { [NAME]: true, [MEMBER_ID]: 1 }),
    () => client.syncPatientData(patientId, { insurance: { [GIVEN_NAME]: 'x' } }),
    () => client.getPatients({ filter: { [MEMBER_ID]: 'x' } }),
    () => client.addPatient({ ...newPatient(), [VALUES.email]: 1 }),
    // A value in the wrong field, and a value that fails its field's rules.
    () => client.syncPatientData(patientId, { dob: NAME, email: VALUES.phone }),
    () => client.syncPatientData(patientId, { status: 'Hypothyroidism' }),
    () => client.syncAppointmentData(appointment.id, { time: NOTES }),
    // Errors whose data holds the record.
    () => client.syncPatientData(patientId, { phone: '(555) 000-0000' }, 1),
    () => client.deletePatient(patientId),
    () => client.transaction([{ method: 'getPatient', params: [MEMBER_ID] }]),
    // A value where a method name belongs, sent through call() by a generic shell.
    () => client.call('getPatinet', [NAME]),
  ];
  const errors = [];
  for (const mistake of mistakes) {
    await assert.rejects(mistake(), (error) => error instanceof PortalError && Boolean(errors.push(error)));
  }
  const conflict = errors.find((error) => error instanceof VersionConflictError);
  assert.ok(strings(conflict.current).includes(NAME)); // the data keeps what the messages leave out
  await client.close(); // so that every line the server wrote has been logged

  const written = errors.flatMap((error) => [error.message, String(error), error.stack, inspect(error), JSON.stringify(error)]);
  for (const text of [...written, ...logs]) {
    for (const value of values) assert.ok(!text.includes(value), `${JSON.stringify(value)} in: ${text}`);
  }
  assert.ok(logs.length > 0, 'the server logged nothing at debug level');
  assert.ok(written.includes('syncPatientData: Invalid params (/insurance/<withheld> unknown field)'));
});
