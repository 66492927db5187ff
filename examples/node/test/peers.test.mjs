// Two processes on one data directory: each one's changes reach the other's subscribers as peer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, newAppointment, newPatient, testStore, TIMEOUT } from '../testkit.mjs';

test('a rename in window A reaches window B as peer notifications for every copy', TIMEOUT, async (t) => {
  const store = await testStore(t);
  const windowA = await store.spawn();
  const windowB = await store.spawn();
  const { id } = await windowA.addPatient(newPatient());
  const appointment = await windowA.addAppointment(newAppointment(id));
  const thread = await windowA.addMessageThread({
    patientId: id,
    subject: 'Billing question',
    category: 'billing',
    priority: 'normal',
    status: 'unread',
    assignedTo: 'Billing',
    messages: [{ id: 1, from: 'patient', sender: 'John Doe', text: 'Why was I charged?', timestamp: '2026-01-30T08:00:00Z' }],
  });
  await windowB.subscribeToUpdates('*', id);
  const expected = [`patient ${id}`, `appointment ${appointment.id}`, `messageThread ${thread.id}`];
  const peerChanges = collect(windowB, 'change', (changes) => changes.length === expected.length);

  const { related } = await windowA.updatePatientRelatedData(id, { name: 'Johnny Doe' });

  const changes = await peerChanges;
  assert.deepEqual([`patient ${id}`, ...related.map((r) => `${r.entityType} ${r.id}`)], expected);
  assert.deepEqual(changes.map((c) => `${c.entityType} ${c.entityId}`), expected);
  for (const change of changes) {
    assert.deepEqual(change.cause, { method: 'updatePatientRelatedData', origin: 'peer' });
  }
  assert.deepEqual(changes.map((c) => c.entity.patientName ?? c.entity.name), ['Johnny Doe', 'Johnny Doe', 'Johnny Doe']);
  assert.equal((await windowB.getAppointment(appointment.id)).patientName, 'Johnny Doe');
});

test('each window sees its own changes as self and the other\'s as peer', TIMEOUT, async (t) => {
  const store = await testStore(t);
  const windowA = await store.spawn();
  const windowB = await store.spawn();
  await windowA.subscribeToUpdates('patient');
  await windowB.subscribeToUpdates('patient');
  const seenByB = collect(windowB, 'change', (changes) => changes.length === 1);
  const seenByA = [];
  windowA.on('change', (change) => seenByA.push(change));

  const patient = await windowA.addPatient(newPatient());

  assert.deepEqual(seenByA.map((c) => c.cause.origin), ['self']);
  const [change] = await seenByB;
  assert.deepEqual([change.cause.origin, change.entityId, change.sequence], ['peer', patient.id, seenByA[0].sequence]);
  assert.deepEqual(change.entity, patient);
});
