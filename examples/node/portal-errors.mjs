/**
 * The exceptions a PortalClient call rejects with: PortalError (and one subclass per JSON-RPC
 * error code) when the server answered with an error, ServerExitedError when it cannot answer.
 */
import { errorCodes } from './portal-methods.mjs';

/**
 * The server answered a request with a JSON-RPC error. `code`, `message` (the server's, with the
 * method and the essentials of `data` added) and `data` are the error's; `method` is the request's.
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
    /** @type {any} */
    this.data = data;
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

  /** What the message adds from `data`; subclasses describe their own data. */
  static describe(data) {
    return data?.detail;
  }
}

/** -32700: the server could not parse a line as JSON. */
export class ParseError extends PortalError {
  static code = errorCodes.ParseError;
}

/** -32600: not a valid request, e.g. a second initialize or a request after shutdown. */
export class InvalidRequestError extends PortalError {
  static code = errorCodes.InvalidRequest;
}

/** -32601: no such method; `suggestions` names the close ones. */
export class MethodNotFoundError extends PortalError {
  static code = errorCodes.MethodNotFound;

  static describe(data) {
    return data?.suggestions?.length ? `did you mean ${data.suggestions.join(' or ')}?` : undefined;
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
    return data?.errors?.map(({ path, message }) => `${path || '/'} ${message}`).join('; ');
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
    // The server leaves out (null) an id that does not look like one, so that no value leaks.
    return data && [data.entityType, data.id].filter((part) => part != null).join(' ');
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
    return data && `${data.entityType} ${data.id} is at version ${data.currentVersion}, not ${data.expectedVersion}`;
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
    const counts = Object.entries(data?.related ?? {}).map(([type, count]) => `${count} ${type}`);
    return data && `${data.entityType} ${data.id} still has ${counts.join(', ')}`;
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

/** -32010: reserved for authentication. */
export class UnauthenticatedError extends PortalError {
  static code = errorCodes.Unauthenticated;
}

/** -32011: reserved for permissions. */
export class ForbiddenError extends PortalError {
  static code = errorCodes.Forbidden;
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
