// Records in and out: add, get, sync, the seed's own calls, params, big lines, money.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { methods } from '../portal-client.mjs';
import { newAppointment, newPatient, testStore, TIMEOUT } from '../testkit.mjs';

test('add, get and sync round-trip a patient, and it outlives the process', TIMEOUT, async (t) => {
  const store = await testStore(t);
  const client = await store.spawn();

  await assert.rejects(client.addPatient(newPatient({ lastVisit: '2025-12-01' })), /\/lastVisit is derived from/);
  const added = await client.addPatient(newPatient({ lastVisit: null }));
  assert.equal(added.id, 'P001');
  assert.equal(added.meta.version, 1);
  assert.equal(added.outstandingBalance, 0);
  assert.deepEqual(added.quickStats, { totalAppointments: 0, pendingDocuments: 0, unreadMessages: 0, activePrescriptions: 0 });
  assert.deepEqual(await client.getPatient('P001'), added);

  // A merge patch: nested objects merge, arrays replace; a derived field may be sent with the
  // value the records give (none here).
  const synced = await client.syncPatientData('P001', {
    insurance: { memberId: 'AET2' },
    medicalHistory: { allergies: ['Penicillin'] },
    lastVisit: null,
  });
  assert.deepEqual(synced.insurance, { ...added.insurance, memberId: 'AET2' });
  assert.deepEqual(synced.medicalHistory, { conditions: [], allergies: ['Penicillin'], medications: [] });
  assert.equal('lastVisit' in synced, false);
  assert.equal(synced.meta.version, 2);
  await client.close();

  const reopened = await store.spawn();
  assert.deepEqual(await reopened.getPatient('P001'), synced);
});

test('the seed\'s DataSyncContextType calls work positionally, as the seed writes them', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { addPatient, addAppointment, syncPatientData, updatePatientRelatedData, getPatientAppointments, getPatient } =
    useDataSync(client);

  const patient = await addPatient(newPatient());
  await addAppointment(newAppointment(patient.id, { date: '2030-02-20' }));
  await syncPatientData(patient.id, { name: 'New Name', email: 'new@email.com' });
  // Usage Patterns / Cross-Section Data Flow
  await addAppointment({ ...newAppointment(patient.id), patientName: 'New Name', date: '2030-02-10', time: '2:30 PM' });
  await updatePatientRelatedData(patient.id, { nextAppointment: '2030-02-10' });
  // Testing Strategies: "should sync patient data across all sections"
  const { patient: renamed, related } = await updatePatientRelatedData('P001', { name: 'John Doe' });
  assert.equal(renamed.name, 'John Doe');
  assert.deepEqual(related.map((r) => `${r.entityType} ${r.id}`), ['appointment 1', 'appointment 2']);
  for (const appointment of await getPatientAppointments('P001')) assert.equal(appointment.patientName, 'John Doe');
  // Integration Testing: "appointment creation should update patient data"
  await addAppointment({ patientId: 'P001', patientName: 'John Doe', date: '2030-02-05', time: '10:00 AM', type: 'Follow-up', status: 'scheduled' });
  await updatePatientRelatedData('P001', { nextAppointment: '2030-02-05' });
  assert.equal((await getPatient('P001')).nextAppointment, '2030-02-05');
  // A value the records do not give is refused, naming where the field comes from.
  await assert.rejects(updatePatientRelatedData('P001', { nextAppointment: '2030-01-01' }), /\/nextAppointment is derived from/);
});

test('optional trailing params may be left out; a gap in the middle is sent by name', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const patient = await client.addPatient(newPatient());

  const withVersion = await client.syncPatientData(patient.id, { phone: '(555) 000-0001' }, patient.meta.version);
  const withUndefined = await client.syncPatientData(patient.id, { phone: '(555) 000-0002' }, undefined);
  assert.equal(withVersion.meta.version + 1, withUndefined.meta.version);

  const { subscriptionId } = await client.subscribeToUpdates('patient');
  assert.deepEqual(await client.unsubscribeFromUpdates(undefined, undefined, subscriptionId), { removed: 1 });

  await assert.rejects(client.getPatient('P001', 'extra'), /getPatient takes at most 1 arguments, not 2/);
});

test('call() takes params by position or by name', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const patient = await client.call('addPatient', [newPatient()]);

  const byName = await client.call('syncPatientData', { patientId: patient.id, updates: { phone: '555-010-0001' }, expectedVersion: 1 });
  const byPosition = await client.call('getPatient', [patient.id]);
  assert.deepEqual(byPosition, byName);
  assert.equal(await client.call('ping'), 'pong');
});

test('a response of several megabytes arrives whole, multi-byte characters intact', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  // A record keeps to 1 MiB, so the megabytes come from several patients in one page.
  const conditions = Array.from({ length: 15 }, (_, i) => `${i} ${'é'.repeat(30_000)}`);
  for (let i = 0; i < 8; i++) {
    await client.addPatient(newPatient({ medicalHistory: { conditions, allergies: [], medications: [] } }));
  }
  const { items } = await client.getPatients({ limit: 10 });
  assert.ok(Buffer.byteLength(JSON.stringify(items)) > 6_000_000);
  for (const fetched of items) assert.deepEqual(fetched.medicalHistory.conditions, conditions);
});

test('money is exact on the server; JavaScript reads it as a double, so sum it in cents', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());
  const transaction = (type, amount) =>
    client.addTransaction({ patientId: id, type, amount, method: 'cash', date: '2026-01-05', description: type, status: 'completed' });

  await transaction('charge', 0.3);
  await transaction('payment', 0.1);
  await transaction('payment', 0.2);
  assert.equal((await client.getPatient(id)).outstandingBalance, 0); // where 0.3 - 0.1 - 0.2 !== 0 in doubles

  const amounts = (await client.getPatientTransactions(id)).map((tx) => tx.amount);
  const cents = amounts.reduce((sum, amount) => sum + Math.round(amount * 100), 0);
  assert.equal(cents, 60);
});

/** The client's methods as free functions, the way a component takes them from useDataSync(). */
function useDataSync(client) {
  return Object.fromEntries(methods.map(({ name }) => [name, client[name].bind(client)]));
}
