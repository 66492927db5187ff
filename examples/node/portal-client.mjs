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
 * Types: portal-client.d.ts and the generated portal-types.d.ts.
 */
import { spawn as spawnProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PortalError, ServerExitedError } from './portal-errors.mjs';
import { parseWithMoneyStrings, stringifyWithMoneyStrings } from './portal-json.mjs';
import { methods } from './portal-methods.mjs';

export * from './portal-errors.mjs';
export { errorCodes, methods, moneyFields, notifications } from './portal-methods.mjs';

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = '1.0';

const DEFAULT_CLIENT_INFO = { name: 'portal-client-node', version: '0.1.0' };
const STDERR_LINES_KEPT = 10;

/**
 * One portal-rpc process and the JSON-RPC session with it.
 *
 * Events:
 * - `'dataSync/changed'` and `'change'` (params): a change matching a subscription. Every change a
 *   request causes is emitted before that request's promise settles.
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
   * @returns {Promise<PortalClient>} The client, once initialize has answered.
   */
  static async spawn({ command = defaultCommand(), args = [], dataDir, inMemory, demo, clientInfo, env, money } = {}) {
    const flags = [
      ...(dataDir === undefined ? [] : ['--data-dir', dataDir]),
      ...(inMemory ? ['--in-memory'] : []),
      ...(demo ? ['--demo'] : []),
      ...args,
    ];
    const child = spawnProcess(command, flags, { env: { ...process.env, ...env }, stdio: 'pipe' });
    const client = new PortalClient(child, { money });
    try {
      client.initializeResult = await client.initialize(clientInfo ?? DEFAULT_CLIENT_INFO, PROTOCOL_VERSION);
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
   */
  constructor(child, { money = 'number' } = {}) {
    super();
    if (money !== 'number' && money !== 'string') throw new TypeError(`money must be 'number' or 'string', not ${money}`);
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
   * Sends a request and resolves with its result, or rejects with a PortalError (the subclass for
   * the error's code) or, if the process ends first, a ServerExitedError.
   * @param {string} method
   * @param {unknown[] | Record<string, unknown>} [params] By position (array) or by name (object).
   * @returns {Promise<any>}
   */
  async call(method, params) {
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
// {"method":"syncPatientData","params":[patientId, updates]}.
for (const spec of methods) {
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
