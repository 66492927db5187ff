// Signing in: login keeps the session, a second window joins it with the token, and a client
// given credentials signs in again by itself when the server signs it out. No password or token
// ever shows in an error's text.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { PortalClient, UnauthenticatedError } from '../portal-client.mjs';
import { addStaff, newPatient, testStore, TIMEOUT } from '../testkit.mjs';

const ADMIN = { username: 'ada', password: 'correct horse battery staple', name: 'Ada Admin' };
const CREDENTIALS = { username: ADMIN.username, password: ADMIN.password };
const IDLE = ['--idle-timeout', '1s']; // the shortest the server allows

/** A store with one admin account: the server asks for a sign-in from then on. */
async function staffStore(t) {
  const store = await testStore(t);
  await addStaff(store.dataDir, ADMIN);
  return store;
}

/** Every text an error shows when printed or logged. */
function textsOf(error) {
  return [String(error), error.message, error.stack ?? '', inspect(error)];
}

/** Fails if a secret appears in any text of an error. */
function assertShowsNone(error, secrets) {
  for (const text of textsOf(error)) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `an error shows a secret: ${error.name}`);
  }
}

test('before login a data method answers -32010; after it the same call works', TIMEOUT, async (t) => {
  const client = await (await staffStore(t)).spawn();
  assert.equal(client.session, null);
  assert.equal(await client.isAuthenticated(), false);
  assert.equal(await client.ping(), 'pong'); // open without a sign-in
  const refused = await client.getPatients().catch((error) => error);
  assert.ok(refused instanceof UnauthenticatedError);
  assert.equal(refused.code, -32010);

  const sessions = [];
  client.on('session', (session) => sessions.push(session));
  const answer = await client.login(CREDENTIALS);

  assert.deepEqual(client.session, answer);
  assert.deepEqual(sessions, [answer]);
  assert.equal(answer.user.username, ADMIN.username);
  assert.equal(answer.user.name, ADMIN.name);
  assert.equal(answer.user.role, 'admin');
  assert.ok(answer.user.permissions.includes('patient:write'));
  assert.ok(answer.token && answer.refreshToken && !Number.isNaN(Date.parse(answer.expiresAt)));
  assert.equal(await client.isAuthenticated(), true);
  assert.equal(await client.hasPermission('audit:read'), true);
  const { id } = await client.addPatient(newPatient());
  assert.equal((await client.getPatients()).total, 1);
  assert.equal((await client.getPatient(id)).name, 'John Doe');

  assert.equal(await client.logout(), null);
  assert.equal(client.session, null);
  assert.deepEqual(sessions.at(-1), null);
  await assert.rejects(client.getPatients(), UnauthenticatedError);
});

test('a second client signs in with the first one\'s token; a logout signs out both', TIMEOUT, async (t) => {
  const store = await staffStore(t);
  const first = await store.spawn({ credentials: CREDENTIALS });
  const second = await store.spawn();

  const joined = await second.loginWithToken(first.session.token);
  assert.deepEqual(joined.user, first.session.user);
  assert.deepEqual(second.session, joined);
  assert.deepEqual(await second.getUser(), first.session.user);
  assert.equal((await second.getPatients()).total, 0);

  // The second client has no credentials: the end of the sign-in reaches its caller.
  const expired = once(second, 'auth/expired');
  await first.logout();
  const refused = await second.getPatients().catch((error) => error);
  assert.deepEqual(await expired, [{ reason: 'revoked' }]);
  assert.ok(refused instanceof UnauthenticatedError);
  assert.equal(second.session, null);
  // After its own logout the first client does not sign in again by itself.
  assert.equal(first.session, null);
  await assert.rejects(first.getPatients(), UnauthenticatedError);
});

test('with credentials, the client signs in again after an idle sign-out', TIMEOUT, async (t) => {
  const client = await (await staffStore(t)).spawn({ args: IDLE, credentials: CREDENTIALS });
  assert.equal(client.session.user.username, ADMIN.username);
  const before = client.session.token;
  const signedInAgain = new Promise((resolve) => client.on('session', (session) => session && resolve(session)));

  const [notice] = await once(client, 'auth/expired');

  assert.deepEqual(notice, { reason: 'idle' });
  assert.equal((await client.getPatients()).total, 0); // no -32010: the client signed in again first
  const session = await signedInAgain;
  assert.notEqual(session.token, before);
  assert.equal(await client.isAuthenticated(), true);
});

test('a call that finds its session revoked is sent again after the client signs in', TIMEOUT, async (t) => {
  const store = await staffStore(t);
  // The credentials come from a function, asked each time the client signs in.
  let asked = 0;
  const client = await store.spawn({ credentials: () => (asked++, CREDENTIALS) });
  const other = await store.spawn();
  await other.loginWithToken(client.session.token);
  const notices = [];
  client.on('auth/expired', (params) => notices.push(params));

  await other.logout(); // ends the sign-in the client is part of; the client hears of it with its next request
  const page = await client.getPatients();

  assert.equal(page.total, 0);
  assert.deepEqual(notices, [{ reason: 'revoked' }]);
  assert.equal(asked, 2);
  assert.equal(client.session.user.username, ADMIN.username);
});

test('without credentials, auth/expired reaches the caller and calls answer -32010', TIMEOUT, async (t) => {
  const client = await (await staffStore(t)).spawn({ args: IDLE });
  await client.login(CREDENTIALS); // not remembered

  const [notice] = await once(client, 'auth/expired');

  assert.deepEqual(notice, { reason: 'idle' });
  assert.equal(client.session, null);
  await assert.rejects(client.getPatients(), UnauthenticatedError);
  await client.login(CREDENTIALS, { remember: true });
  assert.equal((await client.getPatients()).total, 0);
});

test('no password or token appears in the text of any error', TIMEOUT, async (t) => {
  const store = await staffStore(t);
  const wrong = 'not-the-password-4821';
  const errors = [];
  const keep = (promise) => promise.then(() => assert.fail('expected a rejection'), (error) => errors.push(error));

  const client = await store.spawn();
  await keep(client.login({ username: ADMIN.username, password: wrong }));
  await keep(client.login({ username: wrong, password: ADMIN.password })); // the password as a username
  await keep(client.login({ username: ADMIN.username, password: 42 })); // refused by the client
  await keep(client.login({ token: `pa_${wrong}` }));
  for (let i = 0; i < 6; i++) await keep(client.login({ username: 'locked', password: wrong }));
  assert.ok(errors.at(-1).retryAfterMs > 0, 'the lockout says how long to wait');
  await keep(PortalClient.spawn({ dataDir: store.dataDir, credentials: { username: ADMIN.username, password: wrong } }));

  // An automatic sign-in that fails: the password was changed behind the client's back.
  let password = ADMIN.password;
  const idle = await store.spawn({ args: IDLE, credentials: () => ({ username: ADMIN.username, password }) });
  const { token, refreshToken } = idle.session;
  password = wrong;
  const [failed] = await once(idle, 'loginFailed');
  errors.push(failed);
  await keep(idle.getPatients());

  assert.ok(errors.length >= 12);
  for (const error of errors) assertShowsNone(error, [ADMIN.password, wrong, token, refreshToken]);
  assert.ok(errors.every((error) => error instanceof UnauthenticatedError || error instanceof TypeError || error.code === -32602));
});
