/**
 * What the tests in test/ share: a data directory per test with clients that are closed when the
 * test ends, valid records to add, and waiting for events. (It lives outside test/ because
 * `node --test test/` would run every file in there as a test file.)
 */
import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCommand, PortalClient } from './portal-client.mjs';

/** Each test's time limit: generous for a loaded machine, short enough to notice a hang. */
export const TIMEOUT = { timeout: 20_000 };

/**
 * A fresh data directory for one test, and a way to spawn clients on it. When the test ends, the
 * clients still running are closed, then the directory is removed.
 * @param {import('node:test').TestContext} t
 */
export async function testStore(t) {
  const dataDir = await mkdtemp(join(tmpdir(), 'portal-client-test-'));
  const clients = [];
  t.after(async () => {
    // A client that a test killed has already been checked by that test.
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    dataDir,
    /** @param {import('./portal-client.mjs').SpawnOptions} [options] */
    async spawn(options) {
      const client = await PortalClient.spawn({ dataDir, ...options });
      clients.push(client);
      return client;
    },
  };
}

/**
 * Adds a staff account to the store in `dataDir` (`portal-rpc users add`), which turns sign-in on
 * there. The password goes through descriptor 3, as an operator would pass it, never argv.
 * @param {string} dataDir
 * @param {{username: string, password: string, role?: string, name?: string}} account
 */
export async function addStaff(dataDir, { username, password, role = 'admin', name }) {
  const args = ['users', 'add', username, '--role', role, ...(name ? ['--name', name] : []), '--password-fd', '3', '--data-dir', dataDir];
  const child = spawnProcess(defaultCommand(), args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.stdio[3].end(password);
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`portal-rpc users add exited ${code}: ${output.trim()}`);
}

/** A patient that addPatient accepts, with `overrides` merged in. */
export function newPatient(overrides = {}) {
  return {
    name: 'John Doe',
    email: 'john.doe@example.com',
    phone: '(555) 111-2222',
    dob: '1970-01-01',
    address: '1 Elm St, Springfield, IL 62701',
    status: 'active',
    assignedDoctor: 'Dr. Michael Chen',
    insurance: { provider: 'Aetna', memberId: 'AET1', group: 'G1', status: 'active' },
    emergencyContact: { name: 'Jane Doe', relationship: 'Spouse', phone: '(555) 111-3333' },
    medicalHistory: { conditions: [], allergies: [], medications: [] },
    ...overrides,
  };
}

/** An appointment of the patient that addAppointment accepts, with `overrides` merged in. */
export function newAppointment(patientId, overrides = {}) {
  return {
    patientId,
    doctorId: 1,
    doctorName: 'Dr. Michael Chen',
    date: '2030-02-20',
    time: '10:00 AM',
    type: 'Follow-up',
    status: 'scheduled',
    ...overrides,
  };
}

/**
 * Collects what `emitter` emits as `event` until `done(collected)` is true, then resolves with it.
 * @template T
 * @param {import('node:events').EventEmitter} emitter
 * @param {string} event
 * @param {(collected: T[]) => boolean} done
 * @returns {Promise<T[]>}
 */
export function collect(emitter, event, done) {
  return new Promise((resolve) => {
    const collected = [];
    const listener = (value) => {
      collected.push(value);
      if (!done(collected)) return;
      emitter.off(event, listener);
      resolve(collected);
    };
    emitter.on(event, listener);
  });
}
