#!/usr/bin/env node
/**
 * The seed's "Cross-Section Data Flow" (handleScheduleAppointment) against a real portal-rpc:
 * schedule an appointment for a patient with addAppointment, then set the patient's next
 * appointment with updatePatientRelatedData, and print each section's update as it arrives.
 *
 *   node examples/cross-section-flow.mjs        (PORTAL_RPC=/path/to/portal-rpc picks the server)
 *
 * It works on a demo practice in a temporary data directory, which it removes at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortalClient } from 'portal-rpc-client'; // this folder, by its package name

const dataDir = await mkdtemp(join(tmpdir(), 'portal-cross-section-'));
try {
  await crossSectionFlow(dataDir);
} catch (error) {
  console.error(`cross-section-flow failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

async function crossSectionFlow(dataDir) {
  const client = await PortalClient.spawn({ dataDir, demo: true, clientInfo: { name: 'cross-section-flow', version: '1' } });
  try {
    const { items: [patient] } = await client.getPatients({ limit: 1 });
    console.log(`${patient.name} (${patient.id}): next appointment ${patient.nextAppointment ?? 'none'}`);

    await client.subscribeToUpdates('*', patient.id);
    const heard = [];
    client.on('change', (change) => {
      heard.push(change);
      console.log(`  section update #${change.sequence}: ${describeChange(change)}`);
    });

    const date = tomorrow();
    console.log(`\nScheduling a consultation on ${date} (addAppointment)`);
    const appointment = await client.addAppointment({
      patientId: patient.id,
      patientName: patient.name,
      doctorId: 1,
      doctorName: patient.assignedDoctor,
      date,
      time: '2:30 PM',
      type: 'Consultation',
      status: 'scheduled',
      notes: 'Discuss lab results',
    });
    console.log(`  answered: appointment ${appointment.id}`);

    console.log(`\nUpdating the patient's next appointment (updatePatientRelatedData)`);
    const heardBefore = heard.length;
    const { patient: updated, related } = await client.updatePatientRelatedData(patient.id, { nextAppointment: date });
    if (heard.length === heardBefore) console.log(`  no section update: the server had already set it to ${date}`);
    console.log(`  answered: patient version ${updated.meta.version}, ${related.length} related records touched`);

    const { nextAppointment } = await client.getPatient(patient.id);
    console.log(`\n${patient.name}'s next appointment: ${nextAppointment}`);
    expect(nextAppointment === date, `nextAppointment is ${nextAppointment}, not ${date}`);
    expect(
      heard.some((c) => c.entityType === 'appointment' && c.entityId === appointment.id && c.change === 'created'),
      'the appointments section did not hear of the new appointment',
    );
    expect(
      heard.some((c) => c.entityType === 'patient' && c.fields?.includes('nextAppointment')),
      'the patient section did not hear of the new next appointment',
    );
  } finally {
    await client.close();
  }
}

/** "appointment 17 created by addAppointment", then one line per field an update changed. */
function describeChange({ entityType, entityId, change, fields = [], cause, entity }) {
  const changedFields = fields.map((field) => `\n      ${field}: ${describeField(entity, field)}`);
  return `${entityType} ${entityId} ${change} by ${cause.method}${changedFields.join('')}`;
}

function describeField(entity, field) {
  const value = entity[field];
  if (field === 'quickStats') return Object.entries(value).map(([stat, n]) => `${stat} ${n}`).join(', ');
  if (field === 'recentActivity') return `newest "${value[0].title}: ${value[0].description}"`;
  return JSON.stringify(value);
}

/** Tomorrow's date, YYYY-MM-DD (UTC). */
function tomorrow() {
  return new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

function expect(condition, failure) {
  if (!condition) throw new Error(failure);
}
