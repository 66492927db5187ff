// Every JSON-RPC error becomes the PortalError subclass of its code, holding its data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import {
  errorCodes,
  InvalidParamsError,
  MethodNotFoundError,
  NotFoundError,
  PortalError,
  RelatedRecordsExistError,
  VersionConflictError,
} from '../portal-client.mjs';
import { newAppointment, newPatient, testStore, TIMEOUT } from '../testkit.mjs';

test('an unknown id is a NotFoundError naming the type and id', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();

  await assert.rejects(client.getPatient('P404'), (error) => {
    assert.ok(error instanceof NotFoundError && error instanceof PortalError);
    assert.equal(error.code, -32001);
    assert.deepEqual([error.entityType, error.id, error.method], ['patient', 'P404', 'getPatient']);
    assert.equal(error.message, 'getPatient: Not found (patient P404)');
    return true;
  });
});

test('invalid params are an InvalidParamsError listing every field by JSON Pointer', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());

  const bad = newAppointment(id, { doctorId: 'one', date: '2026-02-30', time: '25:00', status: 'booked' });
  await assert.rejects(client.addAppointment(bad), (error) => {
    assert.ok(error instanceof InvalidParamsError);
    assert.equal(error.code, -32602);
    assert.deepEqual(error.errors.map((e) => e.path), ['/doctorId', '/date', '/time', '/status']);
    assert.match(error.message, /\/status must be one of: scheduled/);
    return true;
  });
});

test('a stale expectedVersion is a VersionConflictError carrying the current record', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const patient = await client.addPatient(newPatient());
  const current = await client.syncPatientData(patient.id, { phone: '(555) 999-0000' });

  await assert.rejects(client.syncPatientData(patient.id, { phone: '(555) 000-0000' }, patient.meta.version), (error) => {
    assert.ok(error instanceof VersionConflictError);
    assert.equal(error.code, -32003);
    assert.equal(error.currentVersion, 2);
    assert.deepEqual(error.current, current);
    return true;
  });
  assert.deepEqual(await client.getPatient(patient.id), current); // nothing changed
});

test('deleting a patient with records is a RelatedRecordsExistError counting them', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());
  await client.addAppointment(newAppointment(id));
  await client.addAppointment(newAppointment(id, { date: '2026-03-01' }));

  await assert.rejects(client.deletePatient(id), (error) => {
    assert.ok(error instanceof RelatedRecordsExistError);
    assert.equal(error.code, -32004);
    assert.deepEqual(error.related, { appointments: 2 });
    return true;
  });
  const { related } = await client.deletePatient(id, true);
  assert.equal(related.length, 2);
});

test('an unknown method through call() is a MethodNotFoundError with suggestions', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();

  await assert.rejects(client.call('getPatinet', ['P001']), (error) => {
    assert.ok(error instanceof MethodNotFoundError);
    assert.equal(error.code, -32601);
    assert.deepEqual(error.suggestions, ['getPatient', 'getPatients']);
    return true;
  });
});

test('a failed transaction names the index of the failing operation', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { id } = await client.addPatient(newPatient());

  const operations = [
    { method: 'addAppointment', params: [newAppointment(id)] },
    { method: 'deleteAppointment', params: [404] },
  ];
  await assert.rejects(client.transaction(operations), (error) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.data.index, 1);
    return true;
  });
  assert.deepEqual(await client.getPatientAppointments(id), []); // all or nothing
});

test('every error code of the interface has its own PortalError subclass', TIMEOUT, () => {
  for (const [name, code] of Object.entries(errorCodes)) {
    const error = PortalError.from({ code, message: name, data: {} }, 'someMethod');
    assert.notEqual(error.constructor, PortalError, `no class for ${name}`);
    assert.equal(error.constructor.code, code);
    assert.equal(error.name, name.endsWith('Error') ? name : `${name}Error`);
    assert.equal(error.code, code);
  }
  assert.equal(PortalError.from({ code: -1, message: 'Other' }, 'm').constructor, PortalError);
});

// Messages are built from the code, the server's message, field names and the ids the server
// assigns: what a caller sent by mistake (a name as an id, or as a key) stays out of them.
const notFound = (entityType, id) => PortalError.from({ code: -32001, message: 'Not found', data: { entityType, id } }, 'getPatient');

test('an id the server withheld, or one not of the form it assigns, reads as "with that id"', () => {
  assert.equal(notFound('patient', null).message, 'getPatient: Not found (patient with that id)');
  assert.equal(notFound('patient', 'P404').message, 'getPatient: Not found (patient P404)');
  assert.equal(notFound('appointment', 7).message, 'getPatient: Not found (appointment 7)');
  for (const id of ['AET1', 'Sarah', 'P0007x', true, 1.5]) {
    assert.equal(notFound('patient', id).message, 'getPatient: Not found (patient with that id)', String(id));
  }
  assert.equal(notFound('Sarah', 7).message, 'getPatient: Not found (record 7)');
});

test('a path shows names and indexes, and <withheld> for other keys, as the server does', () => {
  // The same rule and placeholder as the server's, for a server that does not (yet) apply them.
  const errors = [
    { path: '/insurance/Sarah Johnson', message: 'unknown field' },
    { path: '/SJ1234', message: 'unknown field' },
    { path: '/asthma', message: 'unknown field' },
    { path: '/roomNumber', message: 'unknown field' },
    { path: '/room_number/a~1b', message: 'unknown field' },
    { path: '/medicalHistory/conditions/0', message: 'must be a string' },
    { path: '/<withheld>', message: 'unknown field' },
    { path: '', message: 'must be an object' },
  ];
  const error = PortalError.from({ code: -32602, message: 'Invalid params', data: { errors } }, 'addPatient');
  assert.equal(
    error.message,
    'addPatient: Invalid params (/insurance/<withheld> unknown field; /<withheld> unknown field; /<withheld> unknown field; ' +
      '/roomNumber unknown field; /room_number/<withheld> unknown field; /medicalHistory/conditions/0 must be a string; ' +
      '/<withheld> unknown field; / must be an object)',
  );
  assert.deepEqual(error.errors, errors); // the data keeps what the server sent
});

test('printing an error leaves its data out; the data is still there', () => {
  const data = { entityType: 'patient', id: 'P001', currentVersion: 3, expectedVersion: 2, current: { name: 'Sarah Johnson' } };
  const error = PortalError.from({ code: -32003, message: 'Version conflict', data }, 'syncPatientData');
  assert.equal(error.message, 'syncPatientData: Version conflict (patient P001 is at version 3, not 2)');
  assert.doesNotMatch(inspect(error, { depth: 5 }), /Sarah/);
  assert.doesNotMatch(JSON.stringify(error), /Sarah/);
  assert.deepEqual(error.current, { name: 'Sarah Johnson' });
  assert.equal(error.data, data);
});

test('a method not found suggests only known methods; a parse error withholds the key it quotes', () => {
  const data = { method: 'Sarah Johnson', suggestions: ['getPatient', 'Sarah'] };
  const unknown = PortalError.from({ code: -32601, message: 'Method not found', data }, 'call');
  assert.equal(unknown.message, 'call: Method not found (did you mean getPatient?)');
  const detail = 'duplicate object key "Sarah Johnson" at byte 40';
  const parse = PortalError.from({ code: -32700, message: 'Parse error', data: { detail } }, 'addPatient');
  assert.equal(parse.message, 'addPatient: Parse error (duplicate object key "<withheld>" at byte 40)');
});
