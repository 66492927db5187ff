/**
 * Types of portal-client.mjs. The entities, params, results, notifications and error codes are
 * generated from schema/ into portal-types.d.ts; this file declares the client around them.
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import type {
  AuthExpiredNotification,
  ChangeNotification,
  Credentials,
  ErrorCode,
  ErrorCodeTable,
  InitializeResult,
  Login,
  MoneyField,
  PortalMethods,
  PortalNotifications,
  PortalParams,
  Tokens,
} from "./portal-types.js";

export * from "./portal-types.js";

/** The protocol version this client speaks. */
export declare const PROTOCOL_VERSION: "1.0";

/** One row of the method table (portal-methods.mjs). */
export interface MethodSpec {
  /** The JSON-RPC method name. */
  readonly name: keyof PortalMethods;
  /** True when it is sent without an id and never answered (exit, $/cancelRequest). */
  readonly notification: boolean;
  /** Its params in positional order. */
  readonly params: ReadonlyArray<{ readonly name: string; readonly required: boolean }>;
}

/** Every method of the interface, in the order of openrpc.json. */
export declare const methods: ReadonlyArray<MethodSpec>;
/** The notifications the server sends. */
export declare const notifications: ReadonlyArray<keyof PortalNotifications>;
/** Every error code the server answers with, by name. */
export declare const errorCodes: ErrorCodeTable;
/** The fields that hold money, wherever they appear. */
export declare const moneyFields: ReadonlyArray<MoneyField>;

/**
 * T with the number of each money field (MoneyField) replaced by Money. A PortalClient<string>
 * (spawned with { money: "string" }) receives WithMoney<T, string>, and takes amounts as numbers
 * or as decimal strings: WithMoney<T, string | number>.
 */
export type WithMoney<T, Money> = T extends (...args: any[]) => any
  ? T
  : { [K in keyof T]: K extends MoneyField ? SwapNumber<T[K], Money> : WithMoney<T[K], Money> };
type SwapNumber<V, Money> = V extends number ? Money : V;

/** PortalMethods with money amounts as Money: the methods of a PortalClient<Money>. */
export type PortalMethodsWith<Money> = {
  [M in keyof PortalMethods]: PortalMethods[M] extends (...args: infer A) => Promise<infer R>
    ? (...args: WithMoney<A, Money | number>) => Promise<WithMoney<R, Money>>
    : never;
};

/** The executable spawn runs when not told: $PORTAL_RPC, else ../../.build/debug/portal-rpc, else portal-rpc. */
export declare function defaultCommand(): string;

/** How PortalClient.spawn starts the server. */
export interface SpawnOptions {
  /** The executable: else $PORTAL_RPC, else ../../.build/debug/portal-rpc, else `portal-rpc` on the PATH. */
  command?: string;
  /** More command-line arguments, e.g. ["--log-level", "debug"]. */
  args?: string[];
  /** --data-dir: where the data lives (created if missing). */
  dataDir?: string;
  /** --in-memory: keep nothing on disk. */
  inMemory?: boolean;
  /** --demo: fill an empty store with a small demo practice. */
  demo?: boolean;
  /** Who is calling, sent with initialize. */
  clientInfo?: { name: string; version: string };
  /** Environment variables added to this process's for the server. */
  env?: Record<string, string>;
  /**
   * How money amounts come back: JavaScript numbers ("number", the default), or strings of their
   * exact decimal text ("string"), read without going through a double; with "string", amounts
   * may also be sent as decimal strings, and go out as JSON numbers exactly as written.
   */
  money?: "number" | "string";
  /**
   * Who signs in: {username, password} (or {token}), or a function giving them each time they are
   * needed. The client logs in after initialize, and again by itself whenever the server signs the
   * connection out (auth/expired). Kept in memory only; never part of an error's message.
   */
  credentials?: CredentialsSource;
}

/** Credentials, or a function that gives them (again each time the client signs in). */
export type CredentialsSource = Credentials | (() => Credentials | Promise<Credentials>);

/**
 * What the last login answered, while the connection is signed in: the staff member, the token
 * another window can sign in with (loginWithToken), the refresh token and when the token expires.
 */
export type Session = Login;

/** How login treats the credentials it is given. */
export interface LoginOptions {
  /**
   * Keep these credentials (in memory) to sign in again by itself whenever the server signs the
   * connection out. Without it, credentials given to login replace any kept ones.
   */
  remember?: boolean;
}

/** The events of a PortalClient and their arguments. */
export interface PortalClientEvents<Money = number> {
  /** A change matching a subscription; a request's changes come before its promise settles. */
  "dataSync/changed": [change: WithMoney<ChangeNotification, Money>];
  /** The same as "dataSync/changed". */
  change: [change: WithMoney<ChangeNotification, Money>];
  /**
   * The server signed this connection out: idle past --idle-timeout, token expired, or the sign-in
   * was ended elsewhere (revoked). With credentials the client is already signing in again.
   */
  "auth/expired": [params: AuthExpiredNotification];
  /** The client signed in (the new session) or out (null), by a call or by itself. */
  session: [session: Session | null];
  /** Signing in again by itself failed; the client stays signed out. */
  loginFailed: [error: Error];
  /** A line the server wrote to stderr: its logs, never patient data. */
  log: [line: string];
  /** The process ended; every call still pending has been rejected with ServerExitedError. */
  exit: [code: number | null, signal: NodeJS.Signals | null];
  /** The server wrote something that is not a JSON-RPC message for this client. */
  error: [error: Error];
}

type Listener<E extends keyof PortalClientEvents, Money> = (...args: PortalClientEvents<Money>[E]) => void;
/** Any other name: the typed overloads take the known ones. */
type Other<Name extends string | symbol, Known> = Name & (Name extends Known ? never : unknown);

/**
 * One portal-rpc process and the JSON-RPC session with it. Every method of the interface is a
 * method of the client with the seed's positional parameters (PortalMethods); a failed call
 * rejects with the PortalError subclass of its code. Money is the type of money amounts: number,
 * or string for a client spawned with { money: "string" }.
 */
export declare class PortalClient<Money extends number | string = number> extends EventEmitter {
  /** Spawns portal-rpc and resolves once initialize has answered. */
  static spawn(options: SpawnOptions & { money: "string" }): Promise<PortalClient<string>>;
  static spawn(options?: SpawnOptions & { money?: "number" }): Promise<PortalClient<number>>;

  /**
   * Wraps a portal-rpc process that is running and not yet initialized; most code wants spawn.
   * With { money: "string" }, write new PortalClient<string>(child, { money: "string" }).
   */
  constructor(
    child: ChildProcessWithoutNullStreams,
    options?: { money?: "number" | "string"; credentials?: CredentialsSource },
  );

  /** What initialize answered; set by spawn. */
  initializeResult: InitializeResult | undefined;
  /** The server's process id. */
  readonly pid: number | undefined;
  /** The server's exit status once it has exited, else null. */
  readonly exitCode: number | null;
  /** How money amounts come back. */
  readonly money: Money extends string ? "string" : "number";
  /** What the last login answered while the connection is signed in, else null. */
  readonly session: Session | null;

  /**
   * Signs in and keeps the answer as `session`. Without credentials, with the ones the client
   * keeps (spawn's credentials, or remembered ones); rejects with UnauthenticatedError when the
   * server refuses them (retryAfterMs set while the username is locked out).
   */
  login(credentials?: Credentials, options?: LoginOptions): Promise<Session>;
  /** Signs in with another window's session.token, joining that sign-in. */
  loginWithToken(token: string, options?: LoginOptions): Promise<Session>;
  /** Signs out everywhere the session was joined; forgets the session and any kept credentials. */
  logout(): Promise<null>;
  /** A new token pair for the same sign-in (given a refresh token, it signs in); updates `session`. */
  refreshToken(refreshToken?: string): Promise<Tokens>;

  /** Sends a request by method name, with params by position or by name. */
  call<M extends keyof PortalMethods>(
    method: M,
    params?: WithMoney<Parameters<PortalMethods[M]>, Money | number> | WithMoney<PortalParams[M], Money | number>,
  ): Promise<WithMoney<Awaited<ReturnType<PortalMethods[M]>>, Money>>;
  call<M extends string>(method: Other<M, keyof PortalMethods>, params?: unknown[] | Record<string, unknown>): Promise<unknown>;
  /** Sends a notification, which is never answered. */
  notify(method: string, params?: unknown[] | Record<string, unknown>): void;
  /** shutdown, exit, and wait for the process; rejects with ServerExitedError unless it exits 0. */
  close(): Promise<void>;
  /** Stops the server at once with a signal (SIGTERM by default). */
  kill(signal?: NodeJS.Signals): void;

  on<E extends keyof PortalClientEvents>(event: E, listener: Listener<E, Money>): this;
  on<E extends string | symbol>(event: Other<E, keyof PortalClientEvents>, listener: (...args: any[]) => void): this;
  once<E extends keyof PortalClientEvents>(event: E, listener: Listener<E, Money>): this;
  once<E extends string | symbol>(event: Other<E, keyof PortalClientEvents>, listener: (...args: any[]) => void): this;
  off<E extends keyof PortalClientEvents>(event: E, listener: Listener<E, Money>): this;
  off<E extends string | symbol>(event: Other<E, keyof PortalClientEvents>, listener: (...args: any[]) => void): this;
}
export interface PortalClient<Money extends number | string = number>
  extends Omit<PortalMethodsWith<Money>, "login" | "logout" | "refreshToken"> {}

/** The server answered with a JSON-RPC error; `PortalError.from` picks the subclass for the code. */
export declare class PortalError extends Error {
  constructor(error: { code: number; message: string; data?: unknown }, method: string);
  /** The subclass for the error's code, holding it. */
  static from(error: { code: number; message: string; data?: unknown }, method: string): PortalError;
  /** The JSON-RPC error code. */
  readonly code: ErrorCode | number;
  /** The error's data, as the server sent it. */
  readonly data: any;
  /** The method of the request that failed. */
  readonly method: string;
}

/** -32700: the server could not parse a line as JSON. */
export declare class ParseError extends PortalError {
  static readonly code: ErrorCodeTable["ParseError"];
}
/** -32600: not a valid request, e.g. a second initialize or a request after shutdown. */
export declare class InvalidRequestError extends PortalError {
  static readonly code: ErrorCodeTable["InvalidRequest"];
}
/** -32601: no such method. */
export declare class MethodNotFoundError extends PortalError {
  static readonly code: ErrorCodeTable["MethodNotFound"];
  /** The methods whose names are close. */
  readonly suggestions: string[];
}
/** -32602: the params are wrong. */
export declare class InvalidParamsError extends PortalError {
  static readonly code: ErrorCodeTable["InvalidParams"];
  /** Every problem, with a JSON Pointer to its field (/insurance/memberId). */
  readonly errors: { path: string; message: string }[];
}
/** -32603: the server failed; nothing was changed. */
export declare class InternalError extends PortalError {
  static readonly code: ErrorCodeTable["InternalError"];
}
/** -32001: no record of that type has that id. */
export declare class NotFoundError extends PortalError {
  static readonly code: ErrorCodeTable["NotFound"];
  readonly entityType: string;
  readonly id: string | number;
}
/** -32002: a request came before initialize. */
export declare class ServerNotInitializedError extends PortalError {
  static readonly code: ErrorCodeTable["ServerNotInitialized"];
}
/** -32003: expectedVersion is stale. */
export declare class VersionConflictError extends PortalError {
  static readonly code: ErrorCodeTable["VersionConflict"];
  /** The record as it is now. */
  readonly current: Record<string, unknown>;
  /** Its meta.version now. */
  readonly currentVersion: number;
}
/** -32004: deletePatient without cascade while the patient has records. */
export declare class RelatedRecordsExistError extends PortalError {
  static readonly code: ErrorCodeTable["RelatedRecordsExist"];
  /** How many records of each type, e.g. {appointments: 2}. */
  readonly related: Record<string, number>;
}
/** -32005: the store cannot be written (disk full, read-only, locked too long); nothing changed. */
export declare class StorageUnavailableError extends PortalError {
  static readonly code: ErrorCodeTable["StorageUnavailable"];
}
/** -32006: reserved for replica mode: the upstream is unreachable, the change waits in the outbox. */
export declare class UpstreamUnavailableError extends PortalError {
  static readonly code: ErrorCodeTable["UpstreamUnavailable"];
}
/** -32010: nobody is signed in (before login, after auth/expired), or login refused the credentials. */
export declare class UnauthenticatedError extends PortalError {
  static readonly code: ErrorCodeTable["Unauthenticated"];
  /** While a username is locked out after failed logins: how long to wait, in milliseconds. */
  readonly retryAfterMs: number | undefined;
}
/** -32011: the signed-in role lacks a permission. */
export declare class ForbiddenError extends PortalError {
  static readonly code: ErrorCodeTable["Forbidden"];
  /** The permission it lacks, e.g. "audit:read". */
  readonly permission: string | undefined;
}
/** -32800: the request was cancelled with $/cancelRequest before it ran. */
export declare class RequestCancelledError extends PortalError {
  static readonly code: ErrorCodeTable["RequestCancelled"];
}

/** The server process ended (or never started) before it answered. */
export declare class ServerExitedError extends Error {
  /** Its exit status, or null when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
}
