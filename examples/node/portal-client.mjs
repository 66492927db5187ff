/**
 * A Node client for PortalRPC: spawns `portal-rpc`, speaks newline-delimited JSON-RPC 2.0 with it
 * over stdin/stdout, and offers every method of the interface as a method of the same name and
 * positional parameters as the seed's DataSyncContextType:
 *
 *   const client = await PortalClient.spawn({ dataDir: '/tmp/portal', demo: true });
 *   client.on('change', (change) => console.log(change.entityType, change.entityId, change.change));
 *   await client.subscribeToUpdates('*', 'P001');
 *   await client.syncPatientData('P001', { phone: '(555) 000-1111' });
 *   await client.close();
 *
 * Where staff must sign in, give the credentials to spawn: the client logs in after initialize,
 * keeps the session (client.session), and signs in again by itself when the server ends it.
 *
 *   const client = await PortalClient.spawn({ credentials: { username, password } });
 *
 * Types: portal-client.d.ts and the generated portal-types.d.ts.
 */
import { spawn as spawnProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PortalError, ServerExitedError, UnauthenticatedError } from './portal-errors.mjs';
import { parseWithMoneyStrings, stringifyWithMoneyStrings } from './portal-json.mjs';
import { methods } from './portal-methods.mjs';

export * from './portal-errors.mjs';
export { errorCodes, methods, moneyFields, notifications } from './portal-methods.mjs';

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = '1.0';

const DEFAULT_CLIENT_INFO = { name: 'portal-client-node', version: '0.1.0' };
const STDERR_LINES_KEPT = 10;
/**
 * The methods that sign in or out: their -32010 is an answer about the credentials or tokens they
 * carry, never a session that ended under a call, so they are sent once as they are.
 */
const SIGN_IN_METHODS = new Set(['login', 'logout', 'refreshToken']);

/**
 * One portal-rpc process and the JSON-RPC session with it.
 *
 * Events:
 * - `'dataSync/changed'` and `'change'` (params): a change matching a subscription. Every change a
 *   request causes is emitted before that request's promise settles.
 * - `'auth/expired'` (params): the server signed this connection out ({reason: 'idle' | 'expired'
 *   | 'revoked'}). With credentials the client is already signing in again; without, every call
 *   that needs a sign-in rejects with UnauthenticatedError until the next login.
 * - `'session'` (session): the client signed in (a Login: user, token, refreshToken, expiresAt)
 *   or out (null), by a call or by itself.
 * - `'loginFailed'` (error): signing in again by itself failed; the client stays signed out.
 * - `'log'` (line): a line the server wrote to stderr (logs; never patient data).
 * - `'exit'` (code, signal): the process ended; every call still pending has been rejected.
 * - `'error'` (error): the server wrote something that is not a JSON-RPC message for this client.
 *   As with any EventEmitter, an 'error' that nobody listens to is thrown.
 */
export class PortalClient extends EventEmitter {
  #child;
  #pending = new Map();
  #nextId = 1;
  #exit = null;
  #spawnError = null;
  #stderrTail = [];
  #money;
  /** {username, password}, {token} or a function giving one: how to sign in again, or null. */
  #credentials = null;
  /** What the last login answered, while this connection is signed in; else null. */
  #session = null;
  /** The automatic sign-in under way, or null. */
  #relogin = null;

  /**
   * Spawns portal-rpc and initializes the session.
   * @param {object} [options]
   * @param {string} [options.command] The executable: else $PORTAL_RPC, else
   *   ../../.build/debug/portal-rpc from this file, else `portal-rpc` on the PATH.
   * @param {string[]} [options.args] More command-line arguments, e.g. ['--log-level', 'debug'].
   * @param {string} [options.dataDir] --data-dir: where the data lives.
   * @param {boolean} [options.inMemory] --in-memory: keep nothing on disk.
   * @param {boolean} [options.demo] --demo: fill an empty store with a demo practice.
   * @param {{name: string, version: string}} [options.clientInfo] Who is calling, for initialize.
   * @param {Record<string, string>} [options.env] Environment variables added to this process's.
   * @param {'number' | 'string'} [options.money] How money amounts come back: as JavaScript numbers
   *   ('number', the default), or as strings of their exact decimal text ('string'), with which
   *   amounts may also be sent as such strings.
   * @param {Credentials | (() => Credentials | Promise<Credentials>)} [options.credentials] Who
   *   signs in: {username, password} (or {token}), or a function that gives them each time they
   *   are needed. The client then logs in after initialize, and again whenever the server signs
   *   the connection out (auth/expired). They are kept in memory only, and never shown.
   * @returns {Promise<PortalClient>} The client, once initialize (and login) have answered.
   */
  static async spawn({ command = defaultCommand(), args = [], dataDir, inMemory, demo, clientInfo, env, money, credentials } = {}) {
    const flags = [
      ...(dataDir === undefined ? [] : ['--data-dir', dataDir]),
      ...(inMemory ? ['--in-memory'] : []),
      ...(demo ? ['--demo'] : []),
      ...args,
    ];
    const child = spawnProcess(command, flags, { env: { ...process.env, ...env }, stdio: 'pipe' });
    const client = new PortalClient(child, { money, credentials });
    try {
      client.initializeResult = await client.initialize(clientInfo ?? DEFAULT_CLIENT_INFO, PROTOCOL_VERSION);
      if (credentials !== undefined) await client.login();
    } catch (error) {
      client.kill();
      throw error;
    }
    return client;
  }

  /**
   * Wraps a portal-rpc process that is already running and not yet initialized; most code wants
   * PortalClient.spawn instead.
   * @param {import('node:child_process').ChildProcessWithoutNullStreams} child
   * @param {object} [options]
   * @param {'number' | 'string'} [options.money] As for spawn.
   * @param {Credentials | (() => Credentials | Promise<Credentials>)} [options.credentials] As for
   *   spawn, except that the constructor does not log in: call login() once initialized.
   */
  constructor(child, { money = 'number', credentials } = {}) {
    super();
    if (money !== 'number' && money !== 'string') throw new TypeError(`money must be 'number' or 'string', not ${money}`);
    if (credentials !== undefined) this.#credentials = checkedCredentials(credentials);
    this.#money = money;
    this.#child = child;
    /** What initialize answered (set by spawn). */
    this.initializeResult = undefined;
    const stdout = new LineSplitter();
    const stderr = new LineSplitter();
    child.stdout.on('data', (chunk) => stdout.push(chunk).forEach((line) => this.#onMessageLine(line)));
    child.stderr.on('data', (chunk) => stderr.push(chunk).forEach((line) => this.#onLogLine(line)));
    // A write to a process that has died fails with EPIPE; the 'close' handler rejects its call.
    child.stdin.on('error', () => {});
    child.on('error', (error) => (this.#spawnError = error));
    child.on('close', (code, signal) => this.#onClose(code, signal));
  }

  /** The process id of the server. */
  get pid() {
    return this.#child.pid;
  }

  /** The server's exit status once it has exited, else null. */
  get exitCode() {
    return this.#exit?.code ?? null;
  }

  /**
   * What the last login answered ({user, token, refreshToken, expiresAt}) while this connection is
   * signed in, else null. The token lets another window sign in as the same person
   * (loginWithToken); a logout in any of them signs out all of them.
   * @returns {import('./portal-client.js').Session | null}
   */
  get session() {
    return this.#session;
  }

  /**
   * Signs this connection in, and keeps what login answers as `session`.
   * @param {Credentials} [credentials] {username, password} or {token}; without them, the
   *   credentials the client was given (spawn's credentials option, or remembered ones).
   * @param {{remember?: boolean}} [options] remember: keep these credentials (in memory) to sign in
   *   again by itself whenever the server signs the connection out. Without it, credentials
   *   passed here replace any kept ones, which are forgotten.
   * @returns {Promise<import('./portal-types.js').Login>}
   */
  async login(credentials, { remember = false } = {}) {
    if (credentials === undefined) {
      if (!this.#credentials) throw new TypeError('login: no credentials given, and the client keeps none');
      return this.#signIn();
    }
    const given = checkedCredentials(credentials);
    const result = await this.#signIn(given);
    this.#credentials = remember ? given : null;
    return result;
  }

  /**
   * Signs in with the token of another window's session (its `session.token`), joining it.
   * @param {string} token
   * @param {{remember?: boolean}} [options] As for login; a remembered token works only as long as
   *   the sign-in it belongs to does.
   */
  async loginWithToken(token, options) {
    if (typeof token !== 'string' || token === '') throw new TypeError('loginWithToken: the token must be a non-empty string');
    return this.login({ token }, options);
  }

  /**
   * Signs out: the server revokes the session everywhere (in every window that joined it), and the
   * client forgets the session and its credentials, so it does not sign in again by itself.
   * @returns {Promise<null>}
   */
  async logout() {
    this.#credentials = null;
    try {
      return await this.#send('logout');
    } finally {
      this.#setSession(null);
    }
  }

  /**
   * A new token pair for the same sign-in; `session` gets them. Given a refresh token (spent by
   * this), it signs this connection in.
   * @param {string} [refreshToken]
   * @returns {Promise<import('./portal-types.js').Tokens>}
   */
  async refreshToken(refreshToken) {
    const tokens = await this.#send('refreshToken', refreshToken === undefined ? undefined : [refreshToken]);
    const user = this.#session?.user ?? (await this.#send('getUser'));
    this.#setSession({ user, ...tokens });
    return tokens;
  }

  /**
   * Sends a request and resolves with its result, or rejects with a PortalError (the subclass for
   * the error's code) or, if the process ends first, a ServerExitedError.
   *
   * With credentials, a request that finds the session ended (-32010 after auth/expired) is sent
   * once more after the client has signed in again; and a request made while the client signs in
   * again waits for it.
   * @param {string} method
   * @param {unknown[] | Record<string, unknown>} [params] By position (array) or by name (object).
   * @returns {Promise<any>}
   */
  async call(method, params) {
    if (SIGN_IN_METHODS.has(method)) return this.#send(method, params);
    if (this.#relogin) await this.#relogin.catch(() => {});
    const signedIn = this.#session !== null;
    try {
      return await this.#send(method, params);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError) || !signedIn || !this.#credentials) throw error;
      // The session ended while the request was on its way: the server said so (auth/expired)
      // before this answer, and the client is signing in again. Without that notice, start it here.
      if (!this.#relogin && this.#session === null) this.#signInAgain();
      if (this.#relogin) {
        try {
          await this.#relogin;
        } catch {
          throw error;
        }
      }
      return this.#send(method, params);
    }
  }

  /** Sends a request as it is: no waiting for a sign-in, no second try. */
  async #send(method, params) {
    if (this.#exit) throw this.#exitedError(method);
    const id = this.#nextId++;
    this.#write({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    // The answer is read from stdout later, so registering the call after writing it is in time.
    return new Promise((resolve, reject) => this.#pending.set(id, { method, resolve, reject }));
  }

  /**
   * Sends a notification: a message that is never answered (exit, $/cancelRequest).
   * @param {string} method
   * @param {unknown[] | Record<string, unknown>} [params]
   * @throws {ServerExitedError} When the process has ended.
   */
  notify(method, params) {
    if (this.#exit) throw this.#exitedError(method);
    this.#write({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  /**
   * Ends the session the polite way: shutdown, then exit, then waits for the process to end.
   * Resolves once it has exited with status 0; rejects with a ServerExitedError otherwise.
   * @returns {Promise<void>}
   */
  async close() {
    if (!this.#exit) {
      const exited = once(this, 'exit');
      await this.shutdown();
      await this.exit();
      this.#child.stdin.end();
      await exited;
    }
    if (this.#exit.code !== 0) throw this.#exitedError('close');
  }

  /**
   * Stops the server at once with a signal; pending calls reject with ServerExitedError.
   * @param {NodeJS.Signals} [signal]
   */
  kill(signal = 'SIGTERM') {
    this.#child.kill(signal);
  }

  /** How money amounts come back, 'number' or 'string' (see spawn). */
  get money() {
    return this.#money;
  }

  #write(message) {
    const text = this.#money === 'string' ? stringifyWithMoneyStrings(message) : JSON.stringify(message);
    this.#child.stdin.write(`${text}\n`);
  }

  #onMessageLine(line) {
    const message = parseObject(line, this.#money === 'string' ? parseWithMoneyStrings : JSON.parse);
    if (!message) {
      this.emit('error', new Error(`portal-rpc wrote a line that is not a JSON-RPC message (${line.length} characters)`));
    } else if (typeof message.method === 'string' && !('id' in message)) {
      this.#onNotification(message);
    } else {
      this.#onResponse(message);
    }
  }

  /** Emits the notification under its method name, and dataSync/changed also as 'change'. */
  #onNotification({ method, params }) {
    if (method === 'auth/expired') {
      this.#setSession(null);
      if (this.#credentials && !this.#relogin) this.#signInAgain();
    }
    this.emit(method, params);
    if (method === 'dataSync/changed') this.emit('change', params);
  }

  #onResponse({ id, result, error }) {
    const call = this.#pending.get(id);
    if (!call) {
      const shown = Number.isSafeInteger(id) ? ` (id ${id})` : ''; // this client's ids are integers
      this.emit('error', new Error(`portal-rpc answered a request this client did not send${shown}`));
      return;
    }
    this.#pending.delete(id);
    if (error) call.reject(PortalError.from(error, call.method));
    else call.resolve(result);
  }

  /** Logs in with `credentials`, else the kept ones (asking their function), and keeps the session. */
  async #signIn(credentials) {
    const given = credentials ?? (await credentialsOf(this.#credentials));
    const result = await this.#send('login', [given]);
    this.#setSession(result);
    return result;
  }

  /** Starts signing in again with the kept credentials; calls wait for it (#relogin). */
  #signInAgain() {
    const relogin = this.#signIn()
      .then(() => {})
      .catch((error) => {
        this.emit('loginFailed', error);
        throw error;
      })
      .finally(() => {
        if (this.#relogin === relogin) this.#relogin = null;
      });
    relogin.catch(() => {}); // its failure is reported as 'loginFailed'; callers that wait see it too
    this.#relogin = relogin;
  }

  #setSession(session) {
    if (session === this.#session) return;
    this.#session = session;
    this.emit('session', session);
  }

  #onLogLine(line) {
    this.#stderrTail = [...this.#stderrTail, line].slice(-STDERR_LINES_KEPT);
    this.emit('log', line);
  }

  /** The process has ended and its output is read: every call still waiting gets an error. */
  #onClose(code, signal) {
    this.#exit = { code, signal, spawnError: this.#spawnError };
    for (const call of this.#pending.values()) call.reject(this.#exitedError(call.method));
    this.#pending.clear();
    this.emit('exit', code, signal);
  }

  #exitedError(method) {
    return new ServerExitedError(method, this.#exit, this.#stderrTail);
  }
}

// One method per method of the interface: client.syncPatientData(patientId, updates) sends
// {"method":"syncPatientData","params":[patientId, updates]}. The sign-in methods are the class's
// own, as they keep the session.
for (const spec of methods) {
  if (SIGN_IN_METHODS.has(spec.name)) continue;
  if (spec.name in PortalClient.prototype) throw new Error(`method ${spec.name} would hide PortalClient.${spec.name}`);
  const send = spec.notification ? PortalClient.prototype.notify : PortalClient.prototype.call;
  Object.defineProperty(PortalClient.prototype, spec.name, {
    async value(...args) {
      return send.call(this, spec.name, paramsOf(spec, args));
    },
    writable: true,
    configurable: true,
  });
}

/**
 * @typedef {{username: string, password: string} | {token: string}} Credentials
 */

/**
 * The credentials, or a function giving them, once checked for their form (never their values,
 * which no message repeats).
 * @param {unknown} credentials
 */
function checkedCredentials(credentials) {
  if (typeof credentials === 'function') return credentials;
  const valid =
    typeof credentials === 'object' &&
    credentials !== null &&
    ((typeof credentials.username === 'string' && typeof credentials.password === 'string') || typeof credentials.token === 'string');
  if (!valid) throw new TypeError('credentials must be {username, password}, {token}, or a function that returns them');
  return credentials;
}

/** The credentials `source` holds or (a function) gives. */
async function credentialsOf(source) {
  return typeof source === 'function' ? checkedCredentials(await source()) : source;
}

/**
 * The JSON-RPC params for positional arguments: the arguments without trailing undefineds, or,
 * when an argument in the middle is undefined (JSON arrays cannot skip a slot), an object by name.
 * @param {import('./portal-methods.mjs').MethodSpec} spec
 * @param {unknown[]} args
 * @returns {unknown[] | Record<string, unknown> | undefined}
 */
function paramsOf(spec, args) {
  if (args.length > spec.params.length) {
    throw new TypeError(`${spec.name} takes at most ${spec.params.length} arguments, not ${args.length}`);
  }
  let length = args.length;
  while (length > 0 && args[length - 1] === undefined) length--;
  const given = args.slice(0, length);
  if (given.length === 0) return undefined;
  if (!given.includes(undefined)) return given;
  return Object.fromEntries(given.map((value, i) => [spec.params[i].name, value]).filter(([, v]) => v !== undefined));
}

/** The JSON object a line holds, or null when it holds something else. */
function parseObject(line, parse) {
  try {
    const value = parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The executable spawn runs when not told: $PORTAL_RPC, else the repository's debug build
 * (../../.build/debug/portal-rpc from this file) when it exists, else portal-rpc on the PATH.
 * @returns {string}
 */
export function defaultCommand() {
  if (process.env.PORTAL_RPC) return process.env.PORTAL_RPC;
  const debugBuild = fileURLToPath(new URL('../../.build/debug/portal-rpc', import.meta.url));
  return existsSync(debugBuild) ? debugBuild : 'portal-rpc';
}

/**
 * Splits a byte stream into lines at each \n byte, however the bytes arrive in chunks; a line
 * may be megabytes long and span many chunks. (A \n byte never occurs inside a UTF-8 character.)
 */
class LineSplitter {
  #partial = [];

  /**
   * @param {Buffer} chunk The next bytes.
   * @returns {string[]} The lines this chunk completes.
   */
  push(chunk) {
    const lines = [];
    let start = 0;
    let end;
    while ((end = chunk.indexOf(0x0a, start)) !== -1) {
      this.#partial.push(chunk.subarray(start, end));
      lines.push(Buffer.concat(this.#partial).toString('utf8'));
      this.#partial = [];
      start = end + 1;
    }
    if (start < chunk.length) this.#partial.push(chunk.subarray(start));
    return lines;
  }
}
