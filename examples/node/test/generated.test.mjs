// The generated files are current, and the method table agrees with the running server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { methods, notifications, PortalClient } from '../portal-client.mjs';
import { testStore, TIMEOUT } from '../testkit.mjs';

const run = promisify(execFile);
const clientDir = fileURLToPath(new URL('..', import.meta.url));
const schemaDir = join(clientDir, '..', '..', 'schema');
const generator = join(clientDir, 'generate-types.mjs');

test('generate-types.mjs --check finds portal-types.d.ts and portal-methods.mjs current', TIMEOUT, async () => {
  const { stdout } = await run(process.execPath, [generator, '--check']);
  assert.match(stdout, /portal-types\.d\.ts and portal-methods\.mjs are current/);
});

test('generate-types.mjs --check exits 1 and names a stale file', TIMEOUT, async (t) => {
  // A copy of the layout it expects: schema/ two levels above the generator.
  const root = await mkdtemp(join(tmpdir(), 'portal-generate-test-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const copyDir = join(root, 'examples', 'node');
  await cp(schemaDir, join(root, 'schema'), { recursive: true });
  for (const file of ['generate-types.mjs', 'portal-types.d.ts', 'portal-methods.mjs']) {
    await cp(join(clientDir, file), join(copyDir, file));
  }
  await writeFile(join(copyDir, 'portal-methods.mjs'), '// edited by hand\n', { flag: 'a' });

  await assert.rejects(run(process.execPath, [join(copyDir, 'generate-types.mjs'), '--check']), (error) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /portal-methods\.mjs is stale/);
    assert.doesNotMatch(error.stderr, /portal-types\.d\.ts/);
    return true;
  });
});

test('the method table names exactly what the running server offers', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  const { capabilities } = client.initializeResult;

  assert.deepEqual(methods.map((m) => m.name), capabilities.methods);
  // The sync/* notifications are described for their types; only a replica sends them.
  assert.deepEqual(notifications.filter((name) => !name.startsWith('sync/')), capabilities.notifications);
  for (const { name } of methods) assert.equal(typeof PortalClient.prototype[name], 'function', name);
});
