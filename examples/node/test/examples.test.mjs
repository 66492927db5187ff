// The runnable examples run, succeed, say what happened, and leave no temporary directory behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TIMEOUT } from '../testkit.mjs';

const run = promisify(execFile);
const examplesDir = fileURLToPath(new URL('../examples/', import.meta.url));

/** Runs an example with a TMPDIR of its own, and resolves with its stdout and what it left there. */
async function runExample(t, file) {
  const tempRoot = await mkdtemp(join(tmpdir(), 'portal-example-test-'));
  t.after(() => rm(tempRoot, { recursive: true, force: true }));
  const { stdout } = await run(process.execPath, [join(examplesDir, file)], { env: { ...process.env, TMPDIR: tempRoot } });
  return { stdout, leftBehind: await readdir(tempRoot) };
}

test('cross-section-flow.mjs schedules an appointment and prints each section\'s update', TIMEOUT, async (t) => {
  const { stdout, leftBehind } = await runExample(t, 'cross-section-flow.mjs');

  assert.match(stdout, /section update #\d+: appointment \d+ created by addAppointment/);
  assert.match(stdout, /section update #\d+: patient P001 updated by addAppointment\n\s+nextAppointment: "[\d-]+"\n\s+quickStats: /);
  const [, scheduled] = stdout.match(/Scheduling a consultation on ([\d-]+)/);
  assert.match(stdout, new RegExp(`next appointment: ${scheduled}\\n$`));
  assert.deepEqual(leftBehind, []);
});

test('two-windows.mjs shows window B hearing window A\'s rename as peer changes', TIMEOUT, async (t) => {
  const { stdout, leftBehind } = await runExample(t, 'two-windows.mjs');

  const [, records] = stdout.match(/in (\d+) records/);
  const heard = stdout.match(/B heard #\d+ \(peer\)/g);
  assert.equal(heard.length, Number(records) + 1);
  assert.match(stdout, /B heard #\d+ \(peer\): patient P001 name → "Sarah Whitaker"/);
  assert.match(stdout, /B heard all \d+ changes from its peer, and now shows "Sarah Whitaker"/);
  assert.deepEqual(leftBehind, []);
});
