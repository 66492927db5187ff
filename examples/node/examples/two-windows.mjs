#!/usr/bin/env node
/**
 * Two portal windows, each with its own portal-rpc process, on one data directory. Window B
 * subscribes to a patient; window A renames the patient with updatePatientRelatedData; B hears
 * of the patient and of every record that carried the old name, each as cause.origin "peer".
 *
 *   node examples/two-windows.mjs        (PORTAL_RPC=/path/to/portal-rpc picks the server)
 *
 * It works on a demo practice in a temporary data directory, which it removes at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortalClient } from 'portal-rpc-client'; // this folder, by its package name

/** Each section's entity type, and the method that lists a patient's records of it. */
const SECTIONS = [
  ['appointment', 'getPatientAppointments'],
  ['messageThread', 'getPatientMessages'],
  ['prescription', 'getPatientPrescriptions'],
  ['document', 'getPatientDocuments'],
  ['carePlan', 'getPatientCarePlans'],
  ['transaction', 'getPatientTransactions'],
  ['insuranceClaim', 'getPatientInsuranceClaims'],
];
const PEER_TIMEOUT_MS = 10_000;

const dataDir = await mkdtemp(join(tmpdir(), 'portal-two-windows-'));
try {
  await twoWindows(dataDir);
} catch (error) {
  console.error(`two-windows failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

async function twoWindows(dataDir) {
  const windowA = await PortalClient.spawn({ dataDir, demo: true, clientInfo: { name: 'window A', version: '1' } });
  const windowB = await PortalClient.spawn({ dataDir, clientInfo: { name: 'window B', version: '1' } });
  try {
    console.log(`Window A (pid ${windowA.pid}) and window B (pid ${windowB.pid}) share one data directory`);
    const { items: [patient] } = await windowB.getPatients({ limit: 1 });
    const copies = await recordsOf(windowB, patient.id);
    console.log(`B shows "${patient.name}" (${patient.id}) in ${copies.length} records: ${copies.join(', ')}`);

    await windowB.subscribeToUpdates('*', patient.id);
    windowB.on('change', (change) => console.log(`  B heard #${change.sequence} (${change.cause.origin}): ${describeChange(change)}`));
    const heard = changesFor(windowB, [`patient ${patient.id}`, ...copies]);

    const newName = `${patient.name.split(' ')[0]} Whitaker`;
    console.log(`\nA renames ${patient.id} to "${newName}" (updatePatientRelatedData)`);
    const { related } = await windowA.updatePatientRelatedData(patient.id, { name: newName });
    console.log(`A's answer: the patient and ${related.length} related records changed`);

    const changes = await heard;
    expect(changes.every((c) => c.cause.origin === 'peer'), 'a change reached B with an origin other than peer');
    expect(related.length === copies.length, `A changed ${related.length} related records, B showed ${copies.length}`);
    console.log(`\nB heard all ${changes.length} changes from its peer, and now shows "${(await windowB.getPatient(patient.id)).name}"`);
  } finally {
    await Promise.all([windowA.close(), windowB.close()]);
  }
}

/** "appointment 1", "messageThread 1", …: every record of the patient, each a copy of its name. */
async function recordsOf(client, patientId) {
  const sections = await Promise.all(SECTIONS.map(([, method]) => client[method](patientId)));
  return sections.flatMap((records, i) => records.map((record) => `${SECTIONS[i][0]} ${record.id}`));
}

/**
 * Resolves with the changes the client hears until one has come for every record in `expected`
 * ("patient P001", "appointment 1", …); rejects if that takes longer than PEER_TIMEOUT_MS.
 */
function changesFor(client, expected) {
  return new Promise((resolve, reject) => {
    const changes = [];
    const missing = new Set(expected);
    const timer = setTimeout(() => {
      client.off('change', listener);
      reject(new Error(`B heard nothing of ${[...missing].join(', ')} within ${PEER_TIMEOUT_MS} ms`));
    }, PEER_TIMEOUT_MS);
    function listener(change) {
      changes.push(change);
      missing.delete(`${change.entityType} ${change.entityId}`);
      if (missing.size > 0) return;
      clearTimeout(timer);
      client.off('change', listener);
      resolve(changes);
    }
    client.on('change', listener);
  });
}

/** "appointment 3 patientName → "Sarah Whitaker"". */
function describeChange({ entityType, entityId, fields = [], entity }) {
  return `${entityType} ${entityId} ${fields.map((field) => `${field} → ${JSON.stringify(entity[field])}`).join(', ')}`;
}

function expect(condition, failure) {
  if (!condition) throw new Error(failure);
}
