/**
 * The exceptions a PortalClient call rejects with: PortalError (and one subclass per JSON-RPC
 * error code) when the server answered with an error, ServerExitedError when it cannot answer.
 */
import { entityTypes, errorCodes, fieldNames, methods } from './portal-methods.mjs';

/**
 * What a message shows in place of a key or a quoted text that may be a patient value: the
 * placeholder the server puts in a path for such a key.
 */
const WITHHELD = '<withheld>';

const fields = new Set(fieldNames);
const methodNames = new Set(methods.map((method) => method.name));

/**
 * Whether a path may show this key: a field or parameter name of the interface, an array index,
 * or an identifier written for a program (camelCase or snake_case: a mistyped field name); not a
 * word or anything else, which may be a value sent as a key. The server's rule.
 * @param {string} key
 */
function shownKey(key) {
  if (key === '' || Buffer.byteLength(key) > 40) return false;
  return fields.has(key) || /^(0|[1-9][0-9]{0,3})$/.test(key) || /^[a-z][A-Za-z0-9_]*[A-Z_][A-Za-z0-9_]*$/.test(key);
}

/**
 * A JSON Pointer as an error message shows it: each key that shownKey allows as it is, any other
 * as WITHHELD (`/insurance/<withheld>` for `{ insurance: { 'Sarah Johnson': … } }`).
 * @param {unknown} pointer
 * @returns {string}
 */
function shownPath(pointer) {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) return '/';
  const tokens = pointer.split('/').slice(1);
  return tokens.map((token) => `/${shownKey(token.replaceAll('~1', '/').replaceAll('~0', '~')) ? token : WITHHELD}`).join('');
}

/**
 * 'patient P001', or 'patient with that id' when the id is not of the form the server assigns (an
 * integer, or P and digits for a patient): it may be a value sent as an id.
 * @param {unknown} entityType
 * @param {unknown} id
 * @returns {string}
 */
function shownRecord(entityType, id) {
  const kind = entityTypes.includes(entityType) ? entityType : 'record';
  const assigned = Number.isSafeInteger(id) || (typeof id === 'string' && /^P[0-9]{3,}$/.test(id));
  return assigned ? `${kind} ${id}` : `${kind} with that id`;
}

/** A count or a version as a message shows it: an integer, or WITHHELD. */
const shownCount = (value) => (Number.isSafeInteger(value) ? String(value) : WITHHELD);

/**
 * The server answered a request with a JSON-RPC error. `code`, `message` and `data` are the
 * error's; `method` is the request's. The message is the method, the server's message and the
 * essentials of `data` that name no value (paths, entity types, ids of the form the server
 * assigns), so it is safe to log. `data` keeps everything, values included: it is not
 * enumerable, so that printing the error (console.log, util.inspect) leaves it out.
 * `PortalError.from` picks the subclass for the code.
 */
export class PortalError extends Error {
  /**
   * @param {{code: number, message: string, data?: any}} error The response's error object.
   * @param {string} method The method of the request that failed.
   */
  constructor({ code, message, data }, method) {
    const detail = new.target.describe(data);
    super(`${method}: ${message}${detail ? ` (${detail})` : ''}`);
    this.name = new.target.name;
    /** @type {number} */
    this.code = code;
    Object.defineProperty(this, 'data', { value: data, enumerable: false, writable: true, configurable: true });
    /** @type {string} */
    this.method = method;
  }

  /**
   * The subclass of PortalError for the error's code, holding it.
   * @param {{code: number, message: string, data?: any}} error
   * @param {string} method
   * @returns {PortalError}
   */
  static from(error, method) {
    const ErrorClass = classByCode.get(error.code) ?? PortalError;
    return new ErrorClass(error, method);
  }

  /**
   * How console.log and util.inspect print it: its stack, code and method. (By default they would
   * also print `errors`, which holds the paths as the server sent them.)
   */
  [Symbol.for('nodejs.util.inspect.custom')](depth, options, inspect) {
    return `${this.stack} ${inspect({ code: this.code, method: this.method }, options)}`;
  }

  /** What the message adds from `data`; subclasses describe their own data. */
  static describe(data) {
    return typeof data?.detail === 'string' ? data.detail : undefined;
  }
}

/** -32700: the server could not parse a line as JSON. */
export class ParseError extends PortalError {
  static code = errorCodes.ParseError;

  static describe(data) {
    // The server quotes a duplicate key, which may be a value sent as a key.
    return super.describe(data)?.replace(/"[^"]*"/g, `"${WITHHELD}"`);
  }
}

/** -32600: not a valid request, e.g. a second initialize or a request after shutdown. */
export class InvalidRequestError extends PortalError {
  static code = errorCodes.InvalidRequest;
}

/** -32601: no such method; `suggestions` names the close ones. */
export class MethodNotFoundError extends PortalError {
  static code = errorCodes.MethodNotFound;

  static describe(data) {
    const known = Array.isArray(data?.suggestions) ? data.suggestions.filter((name) => methodNames.has(name)) : [];
    return known.length ? `did you mean ${known.join(' or ')}?` : undefined;
  }

  /** @returns {string[]} */
  get suggestions() {
    return this.data?.suggestions ?? [];
  }
}

/** -32602: the params are wrong; `errors` lists every problem with a JSON Pointer to its field. */
export class InvalidParamsError extends PortalError {
  static code = errorCodes.InvalidParams;

  static describe(data) {
    if (!Array.isArray(data?.errors)) return undefined;
    const problems = data.errors.filter((problem) => typeof problem === 'object' && problem !== null);
    return problems.map(({ path, message }) => `${shownPath(path)} ${typeof message === 'string' ? message : ''}`.trimEnd()).join('; ');
  }

  /** @returns {{path: string, message: string}[]} */
  get errors() {
    return this.data?.errors ?? [];
  }
}

/** -32603: the server failed; nothing was changed. */
export class InternalError extends PortalError {
  static code = errorCodes.InternalError;
}

/** -32001: no record of that type has that id. */
export class NotFoundError extends PortalError {
  static code = errorCodes.NotFound;

  static describe(data) {
    // The server answers null for an id that does not look like one; shownRecord goes further.
    return data && shownRecord(data.entityType, data.id);
  }

  /** @returns {string} */
  get entityType() {
    return this.data?.entityType;
  }

  /** @returns {string | number} */
  get id() {
    return this.data?.id;
  }
}

/** -32002: a request came before initialize. */
export class ServerNotInitializedError extends PortalError {
  static code = errorCodes.ServerNotInitialized;
}

/** -32003: expectedVersion is stale; `current` is the record as it is now. */
export class VersionConflictError extends PortalError {
  static code = errorCodes.VersionConflict;

  static describe(data) {
    const record = data && shownRecord(data.entityType, data.id);
    return data && `${record} is at version ${shownCount(data.currentVersion)}, not ${shownCount(data.expectedVersion)}`;
  }

  /** @returns {Record<string, unknown>} The record as it is now. */
  get current() {
    return this.data?.current;
  }

  /** @returns {number} */
  get currentVersion() {
    return this.data?.currentVersion;
  }
}

/** -32004: deletePatient without cascade while records exist; `related` counts them per type. */
export class RelatedRecordsExistError extends PortalError {
  static code = errorCodes.RelatedRecordsExist;

  static describe(data) {
    const counts = Object.entries(data?.related ?? {}).map(([type, count]) => `${shownCount(count)} ${/^[A-Za-z]+$/.test(type) ? type : WITHHELD}`);
    return data && `${shownRecord(data.entityType, data.id)} still has ${counts.join(', ')}`;
  }

  /** @returns {Record<string, number>} How many records of each type, e.g. {appointments: 2}. */
  get related() {
    return this.data?.related ?? {};
  }
}

/** -32005: the store cannot be written (disk full, read-only, locked too long); nothing changed. */
export class StorageUnavailableError extends PortalError {
  static code = errorCodes.StorageUnavailable;
}

/** -32006: reserved for replica mode: the upstream is unreachable, the change waits in the outbox. */
export class UpstreamUnavailableError extends PortalError {
  static code = errorCodes.UpstreamUnavailable;
}

/**
 * -32010: nobody is signed in on this connection (before login, or after auth/expired), or login
 * refused the credentials; `retryAfterMs` is set when a username is locked out for a while.
 */
export class UnauthenticatedError extends PortalError {
  static code = errorCodes.Unauthenticated;

  /** @returns {number | undefined} How long to wait before the next login of that username. */
  get retryAfterMs() {
    return this.data?.retryAfterMs;
  }
}

/** -32011: the signed-in role lacks the permission `permission` names (e.g. audit:read). */
export class ForbiddenError extends PortalError {
  static code = errorCodes.Forbidden;

  static describe(data) {
    return typeof data?.permission === 'string' && /^[A-Za-z]+:[a-z]+$/.test(data.permission) ? `needs ${data.permission}` : undefined;
  }

  /** @returns {string | undefined} */
  get permission() {
    return this.data?.permission;
  }
}

/** -32800: the request was cancelled with $/cancelRequest before it ran. */
export class RequestCancelledError extends PortalError {
  static code = errorCodes.RequestCancelled;
}

const classByCode = new Map(
  [
    ParseError,
    InvalidRequestError,
    MethodNotFoundError,
    InvalidParamsError,
    InternalError,
    NotFoundError,
    ServerNotInitializedError,
    VersionConflictError,
    RelatedRecordsExistError,
    StorageUnavailableError,
    UpstreamUnavailableError,
    UnauthenticatedError,
    ForbiddenError,
    RequestCancelledError,
  ].map((ErrorClass) => [ErrorClass.code, ErrorClass]),
);

/**
 * The server process ended (or never started) before it answered. `exitCode` and `signal` say
 * how it ended; the message ends with its last lines of stderr, where it says why.
 */
export class ServerExitedError extends Error {
  /**
   * @param {string} method The method that got no answer.
   * @param {{code: number | null, signal: string | null, spawnError?: Error}} exit How it ended.
   * @param {string[]} stderrTail The last lines the process wrote to stderr.
   */
  constructor(method, { code, signal, spawnError }, stderrTail) {
    const how = spawnError ? `could not be started (${spawnError.message})` : `exited (${signal ?? `status ${code}`})`;
    const why = stderrTail.length ? `: ${stderrTail.join(' / ')}` : '';
    super(`${method}: portal-rpc ${how} before answering${why}`);
    this.name = 'ServerExitedError';
    /** @type {number | null} */
    this.exitCode = code;
    /** @type {string | null} */
    this.signal = signal;
  }
}
