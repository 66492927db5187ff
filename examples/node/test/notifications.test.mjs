// dataSync/changed notifications become events, in sequence order, before the response.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newAppointment, newPatient, testStore, TIMEOUT } from '../testkit.mjs';

test('a request\'s changes are emitted in sequence order, before its promise settles', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());
  await client.subscribeToUpdates('*', id);
  const seen = [];
  let answered = false;
  client.on('dataSync/changed', (change) => seen.push({ change, answered }));

  const appointment = await client.addAppointment(newAppointment(id)).finally(() => (answered = true));

  assert.deepEqual(seen.map(({ answered }) => answered), [false, false]);
  const [created, patientUpdated] = seen.map(({ change }) => change);
  assert.ok(created.sequence < patientUpdated.sequence);
  assert.deepEqual(
    [created.entityType, created.entityId, created.change, created.cause],
    ['appointment', appointment.id, 'created', { method: 'addAppointment', origin: 'self' }],
  );
  assert.deepEqual(created.entity, appointment);
  assert.deepEqual(
    [patientUpdated.entityType, patientUpdated.entityId, patientUpdated.fields],
    ['patient', id, ['nextAppointment', 'quickStats', 'recentActivity']],
  );
  assert.equal(patientUpdated.entity.nextAppointment, appointment.date);
});

test('\'change\' carries the same params as \'dataSync/changed\', matching the change log', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());
  await client.addAppointment(newAppointment(id));
  const { lastSequence } = await client.getChangesSince(0);
  await client.subscribeToUpdates('*', id);
  const changes = [];
  const dataSyncChanged = [];
  client.on('change', (change) => changes.push(change));
  client.on('dataSync/changed', (change) => dataSyncChanged.push(change));

  await client.updatePatientRelatedData(id, { name: 'Johnny Doe' });

  assert.deepEqual(changes, dataSyncChanged);
  assert.deepEqual(changes.map((c) => `${c.entityType} ${c.entityId} ${c.fields}`), ['patient P001 name', 'appointment 1 patientName']);
  assert.deepEqual(changes, (await client.getChangesSince(lastSequence)).changes);
});

test('a refused request and an unsubscribed client get no notification', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());
  const { subscriptionId } = await client.subscribeToUpdates('patient', id);
  const changes = [];
  client.on('change', (change) => changes.push(change));

  await assert.rejects(client.syncPatientData(id, { status: 'gone' }));
  assert.deepEqual(changes, []);

  await client.syncPatientData(id, { phone: '(555) 000-0001' });
  assert.equal(changes.length, 1);

  assert.deepEqual(await client.unsubscribeFromUpdates(subscriptionId), { removed: 1 });
  await client.syncPatientData(id, { phone: '(555) 000-0002' });
  assert.equal(changes.length, 1); // had one come, it would have come before the response
});
