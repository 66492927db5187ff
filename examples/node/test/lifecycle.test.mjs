// Starting, initializing, closing, and losing the server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  defaultCommand,
  InvalidRequestError,
  PortalClient,
  ServerExitedError,
  ServerNotInitializedError,
} from '../portal-client.mjs';
import { testStore, TIMEOUT } from '../testkit.mjs';

test('spawn initializes a session on the data directory; close ends it with status 0', TIMEOUT, async (t) => {
  const store = await testStore(t);
  const client = await store.spawn({ clientInfo: { name: 'lifecycle-test', version: '1' } });

  assert.equal(client.initializeResult.protocolVersion, '1.0');
  assert.equal(client.initializeResult.serverInfo.name, 'portal-rpc');
  assert.equal(client.initializeResult.dataDir, store.dataDir);
  assert.ok(client.initializeResult.capabilities.methods.includes('syncPatientData'));
  assert.equal(await client.ping(), 'pong');

  const exited = once(client, 'exit');
  await client.close();
  assert.deepEqual(await exited, [0, null]);
  assert.equal(client.exitCode, 0);
});

test('a call after close rejects at once with ServerExitedError', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  await client.close();

  await assert.rejects(client.ping(), (error) => error instanceof ServerExitedError && error.exitCode === 0);
});

test('every pending call is rejected when the server dies', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  client.kill('SIGSTOP'); // frozen, so none of these can be answered
  const calls = [client.ping(), client.getPatients(), client.getPatient('P001')];
  const exited = once(client, 'exit');
  client.kill('SIGKILL');

  assert.deepEqual(await exited, [null, 'SIGKILL']);
  for (const call of calls) {
    await assert.rejects(call, (error) => error instanceof ServerExitedError && error.signal === 'SIGKILL');
  }
  await assert.rejects(client.close(), ServerExitedError);
});

test('spawn rejects with the server\'s reason when the data directory cannot be used', TIMEOUT, async (t) => {
  const store = await testStore(t);
  const notADirectory = join(store.dataDir, 'a-file');
  await writeFile(notADirectory, '');

  await assert.rejects(store.spawn({ dataDir: notADirectory }), (error) => {
    assert.ok(error instanceof ServerExitedError);
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /cannot use data directory/);
    return true;
  });
});

test('spawn rejects when the executable cannot be started', TIMEOUT, async (t) => {
  const store = await testStore(t);

  await assert.rejects(store.spawn({ command: join(store.dataDir, 'no-such-portal-rpc') }), (error) => {
    assert.ok(error instanceof ServerExitedError);
    assert.match(error.message, /could not be started .*ENOENT/);
    return true;
  });
});

test('before initialize a request is refused; a second initialize is an invalid request', TIMEOUT, async (t) => {
  const client = new PortalClient(spawn(defaultCommand(), ['--in-memory']));
  t.after(() => client.kill()); // in case an assertion fails before close

  assert.equal(await client.ping(), 'pong'); // allowed before initialize
  await assert.rejects(client.getPatients(), ServerNotInitializedError);
  await client.initialize({ name: 'lifecycle-test', version: '1' }, '1.0');
  await assert.rejects(client.initialize(), InvalidRequestError);
  await client.close();
  assert.equal(client.exitCode, 0);
});
