"""PortalClient: the Python client of PortalRPC, the clinical admin portal's data backend.

    from portal_rpc_client import PortalClient

    with PortalClient.spawn(data_dir="/tmp/portal", demo=True) as client:
        patient = client.getPatient("P001")
        client.syncPatientData("P001", {"phone": "(555) 000-1111"})

Where staff must sign in, pass credentials: the client logs in after initialize, keeps the
session (client.session), and signs in again by itself when the server signs it out.

    with PortalClient.spawn(data_dir=..., credentials={"username": ..., "password": ...}) as client:
        client.getPatients()

A client owns one portal-rpc process and speaks newline-delimited JSON-RPC 2.0 with it over its
stdin and stdout. Methods keep the protocol's camelCase names (PortalMethods, generated from
schema/openrpc.json). Numbers with a fraction arrive as Decimal, so money stays exact; send
Decimal back and it goes out as a JSON number. Standard library only.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from decimal import Decimal
from pathlib import Path
from typing import Any

from .methods import ENTITY_TYPES, FIELD_NAMES, METHOD_NAMES, PortalMethods
from .types import (
    AuthExpiredNotification,
    ChangeNotification,
    InitializeClientInfo,
    InitializeResult,
    Login,
    LoginCredentials,
    Tokens,
)

PROTOCOL_VERSION = "1.0"
DEFAULT_TIMEOUT = 60.0
CLIENT_INFO: InitializeClientInfo = {"name": "portal-rpc-client (Python)", "version": "0.1.0"}
# The repository's debug build, from examples/python/portal_rpc_client/ (absent once installed).
LOCAL_BUILD = Path(__file__).resolve().parent / "../../../.build/debug/portal-rpc"

Params = list[Any] | dict[str, Any] | None
ChangeCallback = Callable[[ChangeNotification], None]
AuthExpiredCallback = Callable[[AuthExpiredNotification], None]
# {username, password} or {token}, or a function that returns them each time they are needed.
Credentials = LoginCredentials | Callable[[], LoginCredentials]
# The methods that sign in or out: their -32010 is about the credentials or tokens they carry,
# never a session that ended under a call, so they are sent once, as they are.
SIGN_IN_METHODS = frozenset({"login", "logout", "refreshToken"})

log = logging.getLogger("portal_rpc_client")


# -------------------- JSON with exact numbers ----------------------------------------------------


def loads(text: str | bytes) -> Any:
    """Parse JSON: numbers with a fraction or exponent become Decimal, whole numbers int."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Compact one-line JSON, writing a Decimal as the exact JSON number it holds."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no JSON number")
        return str(value)
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("JSON object keys must be strings")
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return json.dumps(value, allow_nan=False)


# -------------------- Errors ---------------------------------------------------------------------


# What a message shows in place of a key or a quoted text that may be a patient value: the
# placeholder the server puts in a path for such a key.
WITHHELD = "<withheld>"
_INDEX = re.compile(r"0|[1-9][0-9]{0,3}")
_PROGRAM_NAME = re.compile(r"[a-z][A-Za-z0-9_]*[A-Z_][A-Za-z0-9_]*")  # camelCase or snake_case
_ASSIGNED_PATIENT_ID = re.compile(r"P[0-9]{3,}")  # the form of the ids the server gives patients
_QUOTED = re.compile(r'"[^"]*"')


def shown_key(key: str) -> bool:
    """Whether a path may show this key: a field or parameter name of the interface, an array
    index, or an identifier written for a program (camelCase or snake_case: a mistyped field
    name); not a word or anything else, which may be a value sent as a key. The server's rule."""
    if not key or len(key.encode("utf-8", "surrogatepass")) > 40:
        return False
    return key in FIELD_NAMES or bool(_INDEX.fullmatch(key) or _PROGRAM_NAME.fullmatch(key))


def shown_path(pointer: Any) -> str:
    """A JSON Pointer as an error message shows it: each key that shown_key allows as it is, any
    other as WITHHELD (`/insurance/<withheld>` for `{"insurance": {"Sarah Johnson": ...}}`)."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return "/"
    tokens = pointer.split("/")[1:]
    unescaped = (token.replace("~1", "/").replace("~0", "~") for token in tokens)
    return "".join(
        "/" + (token if shown_key(key) else WITHHELD) for token, key in zip(tokens, unescaped)
    )


def shown_record(entity_type: Any, record_id: Any) -> str:
    """'patient P001', or 'patient with that id' when the id is not of the form the server
    assigns (an integer, or P and digits for a patient): it may be a value sent as an id."""
    kind = entity_type if entity_type in ENTITY_TYPES else "record"
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        return f"{kind} {record_id}"
    if isinstance(record_id, str) and _ASSIGNED_PATIENT_ID.fullmatch(record_id):
        return f"{kind} {record_id}"
    return f"{kind} with that id"


def _count(value: Any) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else WITHHELD


class PortalError(Exception):
    """An error answer from the server: `code`, `message` and `data` as it sent them.

    str() is built from the code, the server's message and a short detail that names fields,
    entity types and server-assigned ids: never a value, so it is safe to log. `data` holds the
    rest (a version conflict's current record, say) and is left out of str() and repr().
    """

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message)  # repr() shows these two, never data
        self.code = code
        self.message = message
        self.data = data

    def __str__(self) -> str:
        detail = self.detail()
        return f"{self.message} ({self.code})" + (f": {detail}" if detail else "")

    def detail(self) -> str:
        """What went wrong, in a few words (the server's `data.detail` by default)."""
        detail = self._fields.get("detail")
        return detail if isinstance(detail, str) else ""

    @property
    def _fields(self) -> dict[str, Any]:
        return self.data if isinstance(self.data, dict) else {}

    def _record(self) -> str:
        return shown_record(self._fields.get("entityType"), self._fields.get("id"))


class ParseError(PortalError):
    """-32700: a line was not JSON."""

    def detail(self) -> str:
        # The server quotes a duplicate key, which may be a value sent as a key.
        return _QUOTED.sub(f'"{WITHHELD}"', super().detail())


class InvalidRequestError(PortalError):
    """-32600: not a valid request (also any request after shutdown)."""


class MethodNotFoundError(PortalError):
    """-32601: no method of that name; `suggestions` lists close ones."""

    @property
    def suggestions(self) -> list[str]:
        """Method names close to the one asked for."""
        return list(self._fields.get("suggestions", []))

    def detail(self) -> str:
        known = [name for name in self.suggestions if name in METHOD_NAMES]
        return f"did you mean {' or '.join(known)}?" if known else ""


class InvalidParamsError(PortalError):
    """-32602: bad params or an invalid record; `errors` lists every problem with its path."""

    @property
    def errors(self) -> list[dict[str, str]]:
        """[{path, message}]: a JSON Pointer to each bad field and what is wrong with it."""
        return list(self._fields.get("errors", []))

    def detail(self) -> str:
        problems = [error for error in self.errors if isinstance(error, dict)]
        return "; ".join(
            f"{shown_path(error.get('path'))} {error.get('message', '')}".rstrip()
            for error in problems
        )


class InternalError(PortalError):
    """-32603: the server failed; `data.detail` says where."""


class NotFoundError(PortalError):
    """-32001: no record with that id (`data` names entityType and id)."""

    def detail(self) -> str:
        return f"no {self._record()}"


class ServerNotInitializedError(PortalError):
    """-32002: a request before initialize."""


class VersionConflictError(PortalError):
    """-32003: the record changed since expectedVersion; `current` is the record as it is now."""

    @property
    def current(self) -> dict[str, Any]:
        """The record as it is now, to merge with and retry."""
        return dict(self._fields.get("current", {}))

    def detail(self) -> str:
        fields = self._fields
        return (
            f"{self._record()} is at version {_count(fields.get('currentVersion'))}, "
            f"not {_count(fields.get('expectedVersion'))}"
        )


class RelatedRecordsExistError(PortalError):
    """-32004: a delete refused while records point at it; `related` counts them per type."""

    @property
    def related(self) -> dict[str, int]:
        """Counts of the records in the way, e.g. {"appointments": 2}."""
        return dict(self._fields.get("related", {}))

    def detail(self) -> str:
        counts = ", ".join(
            f"{_count(count)} {kind if kind.isascii() and kind.isalpha() else WITHHELD}"
            for kind, count in self.related.items()
        )
        return f"{self._record()} still has {counts}"


class StorageUnavailableError(PortalError):
    """-32005: the store could not be written (disk full, read-only, locked); nothing changed."""


class UpstreamUnavailableError(PortalError):
    """-32006: reserved for replica mode: the upstream is unreachable, the change waits in the outbox."""


class UnauthenticatedError(PortalError):
    """-32010: nobody is signed in on this connection (before login, or after auth/expired), or
    login refused the credentials; `retry_after_ms` is set while a username is locked out."""

    @property
    def retry_after_ms(self) -> int | None:
        """How long to wait before the next login of that username, in milliseconds."""
        value = self._fields.get("retryAfterMs")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


_PERMISSION = re.compile(r"[A-Za-z]+:[a-z]+")


class ForbiddenError(PortalError):
    """-32011: the signed-in role lacks the permission `permission` names (e.g. audit:read)."""

    @property
    def permission(self) -> str | None:
        """The permission the role lacks."""
        value = self._fields.get("permission")
        return value if isinstance(value, str) else None

    def detail(self) -> str:
        permission = self.permission
        return f"needs {permission}" if permission and _PERMISSION.fullmatch(permission) else ""


class RequestCancelledError(PortalError):
    """-32800: the request was cancelled ($/cancelRequest) before it finished."""


ERROR_CLASSES: dict[int, type[PortalError]] = {
    -32700: ParseError,
    -32600: InvalidRequestError,
    -32601: MethodNotFoundError,
    -32602: InvalidParamsError,
    -32603: InternalError,
    -32001: NotFoundError,
    -32002: ServerNotInitializedError,
    -32003: VersionConflictError,
    -32004: RelatedRecordsExistError,
    -32005: StorageUnavailableError,
    -32006: UpstreamUnavailableError,
    -32010: UnauthenticatedError,
    -32011: ForbiddenError,
    -32800: RequestCancelledError,
}


def error_from(error: dict[str, Any]) -> PortalError:
    """The exception for a JSON-RPC error object: its code's class, else PortalError."""
    code = error.get("code", 0)
    return ERROR_CLASSES.get(code, PortalError)(code, error.get("message", ""), error.get("data"))


class PortalConnectionError(ConnectionError):
    """The portal-rpc process is gone, or the client was closed: no answer will come."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


# -------------------- The client -----------------------------------------------------------------


class PortalClient(PortalMethods):
    """A connection to one portal-rpc process; every method is safe to call from any thread.

    A reader thread reads the process's stdout: it hands each response to the call waiting for
    it, and each dataSync/changed notification to the on_change callbacks and the changes()
    queue. The server writes a request's notifications before its response, so when a call
    returns, the changes it caused have already been delivered.
    """

    def __init__(
        self, process: subprocess.Popen[bytes], credentials: Credentials | None = None
    ) -> None:
        """Wrap a started portal-rpc whose stdin, stdout and stderr are pipes.

        spawn() is the usual way in: it starts the process and sends initialize (and login).
        credentials: as for spawn, except that nothing logs in here: call login() once initialized.
        """
        self.process = process
        self.initialize_result: InitializeResult | None = None
        self._credentials = None if credentials is None else _checked_credentials(credentials)
        self._session: Login | None = None
        self._auth_listeners: list[AuthExpiredCallback] = []
        self._relogin: threading.Thread | None = None  # the automatic sign-in under way
        self._sign_in_lock = threading.Lock()  # one login at a time
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._listeners: list[ChangeCallback] = []
        self._changes: queue.SimpleQueue[ChangeNotification | None] = queue.SimpleQueue()
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._lock = threading.Lock()  # guards _pending, _listeners, _closed_reason
        self._write_lock = threading.Lock()
        self._closed_reason: str | None = None  # set once no more answers can come
        self._closing = False  # close() was called: the end of the connection is expected
        self._shut_down = False
        self._stderr_reader = self._start_thread(self._read_stderr, "portal-rpc stderr")
        self._reader = self._start_thread(self._read_stdout, "portal-rpc stdout")

    @classmethod
    def spawn(
        cls,
        command: str | Sequence[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        in_memory: bool = False,
        demo: bool = False,
        client_info: InitializeClientInfo = CLIENT_INFO,
        env: dict[str, str] | None = None,
        credentials: Credentials | None = None,
    ) -> PortalClient:
        """Start portal-rpc and initialize the session.

        command: the executable (or an argv to put the options after); by default $PORTAL_RPC,
        else the repository's debug build (.build/debug/portal-rpc), else portal-rpc on PATH.
        data_dir / in_memory: where the data lives (neither: the server's default directory).
        demo: fill an empty store with the demo practice. env: the process's environment
        (default: this one's). credentials: {"username", "password"} (or {"token"}), or a
        function returning them each time they are needed: the client logs in after initialize,
        and again whenever the server signs the connection out (auth/expired). They are kept in
        memory only and never shown.
        """
        argv = find_command(command)
        if data_dir is not None:
            argv += ["--data-dir", os.fspath(data_dir)]
        if in_memory:
            argv.append("--in-memory")
        if demo:
            argv.append("--demo")
        pipe = subprocess.PIPE
        process = subprocess.Popen(argv, stdin=pipe, stdout=pipe, stderr=pipe, env=env)
        client = cls(process, credentials)
        try:
            client.initialize_result = client.initialize(client_info, PROTOCOL_VERSION)
            if credentials is not None:
                client.login()
        except BaseException:
            client._stop_process(timeout=5)
            raise
        return client

    # ---- requests

    def call(
        self, method: str, params: Params = None, timeout: float | None = DEFAULT_TIMEOUT
    ) -> Any:
        """Send a request and wait for its answer: the result, or the error raised as PortalError.

        Raises TimeoutError when no answer comes within `timeout` seconds (None: wait forever),
        after asking the server to cancel the request, and PortalConnectionError when the process
        is gone.

        With credentials, a request made while the client signs in again waits for that, and a
        request that finds its session ended (-32010 after auth/expired) is sent once more after
        the client has signed in again.
        """
        if method in SIGN_IN_METHODS:
            return self._call(method, params, timeout)
        self._wait_for_relogin(timeout)
        signed_in = self._session is not None
        try:
            return self._call(method, params, timeout)
        except UnauthenticatedError:
            if not signed_in or self._credentials is None:
                raise
            # The session ended while the request was on its way; the auth/expired that said so
            # came first and started a sign-in. Without that notice, start one here.
            with self._lock:
                if self._relogin is None and self._session is None:
                    self._start_relogin()
            self._wait_for_relogin(timeout)
            if self._session is None:
                raise
        return self._call(method, params, timeout)

    def _call(self, method: str, params: Params, timeout: float | None) -> Any:
        """Send a request as it is: no waiting for a sign-in, no second try."""
        if threading.current_thread() is self._reader:
            raise RuntimeError("a change callback cannot wait for answers: use changes() instead")
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if self._closed_reason is not None:
                raise self._connection_error()
            request_id = next(self._ids)
            self._pending[request_id] = future
        try:
            self._send({"jsonrpc": "2.0", "id": request_id, "method": method}, params)
            response = future.result(timeout)
        except TimeoutError:
            self._forget(request_id)
            self.cancelRequest(request_id)
            raise TimeoutError(f"{method}: no answer within {timeout} s (cancelled)") from None
        except BaseException:  # not sent (bad params, process gone), or interrupted
            self._forget(request_id)
            raise
        if "error" in response:
            raise error_from(response["error"])
        return response.get("result")

    def notify(self, method: str, params: Params = None) -> None:
        """Send a notification: a message the server never answers."""
        self._send({"jsonrpc": "2.0", "method": method}, params)

    def shutdown(self) -> None:
        """Ends the session: every later request is refused until exit (close() does both)."""
        super().shutdown()
        self._shut_down = True

    # ---- signing in

    @property
    def session(self) -> Login | None:
        """What the last login answered ({user, token, refreshToken, expiresAt}) while this
        connection is signed in, else None. The token lets another window sign in as the same
        person (login_with_token); a logout in any of them signs out all of them."""
        return self._session

    def login(
        self, credentials: LoginCredentials | None = None, *, remember: bool = False
    ) -> Login:
        """Sign this connection in and keep the answer as `session`.

        credentials: {"username", "password"} or {"token"}; None: the ones the client keeps
        (spawn's credentials, or remembered ones). remember: keep these credentials, in memory,
        to sign in again by itself whenever the server signs the connection out; without it,
        credentials given here replace any kept ones. Raises UnauthenticatedError when the
        server refuses them (`retry_after_ms` is set while the username is locked out).
        """
        if credentials is None:
            if self._credentials is None:
                raise ValueError("login: no credentials given, and the client keeps none")
            return self._sign_in()
        given = _checked_credentials(credentials)
        assert not callable(given)
        result = self._sign_in(given)
        self._credentials = given if remember else None
        return result

    def login_with_token(self, token: str, *, remember: bool = False) -> Login:
        """Sign in with another window's `session["token"]`, joining that sign-in."""
        if not isinstance(token, str) or not token:
            raise ValueError("login_with_token: the token must be a non-empty string")
        return self.login({"token": token}, remember=remember)

    def logout(self) -> None:
        """Sign out: the server revokes the sign-in everywhere it was joined, and the client
        forgets the session and any kept credentials, so it does not sign in again by itself."""
        self._credentials = None
        try:
            self._call("logout", None, DEFAULT_TIMEOUT)
        finally:
            self._session = None

    def refreshToken(self, refreshToken: str | None = None) -> Tokens:
        """A new token pair for the same sign-in, which `session` then holds. Given a refresh
        token (spent by this), it signs this connection in."""
        tokens: Tokens = self._call(
            "refreshToken", None if refreshToken is None else [refreshToken], DEFAULT_TIMEOUT
        )
        session = self._session
        user = session["user"] if session else self._call("getUser", None, DEFAULT_TIMEOUT)
        self._session = {"user": user, **tokens}
        return tokens

    def on_auth_expired(self, callback: AuthExpiredCallback) -> Callable[[], None]:
        """Call `callback(params)` for each auth/expired ({"reason": "idle" | "expired" |
        "revoked"}); returns its remover. It runs on the reader thread, as on_change callbacks
        do, and must not call the client. With credentials, the client is by then signing in
        again; without, requests that need a sign-in raise UnauthenticatedError until login."""
        with self._lock:
            self._auth_listeners.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._auth_listeners:
                    self._auth_listeners.remove(callback)

        return remove

    def _sign_in(self, credentials: LoginCredentials | None = None) -> Login:
        """Log in with `credentials`, else the kept ones (asking their function); keep it."""
        with self._sign_in_lock:
            given = credentials if credentials is not None else _credentials_of(self._credentials)
            result: Login = self._call("login", [given], DEFAULT_TIMEOUT)
            self._session = result
            return result

    def _start_relogin(self) -> None:
        """Start signing in again on a thread of its own (the reader cannot wait); with _lock."""
        thread = threading.Thread(target=self._relogin_now, name="portal-rpc sign-in", daemon=True)
        self._relogin = thread
        thread.start()

    def _relogin_now(self) -> None:
        try:
            if self._credentials is not None and self._session is None:
                self._sign_in()
        except (PortalError, PortalConnectionError, TimeoutError, ValueError, TypeError) as error:
            # The class and code only: what the server says about credentials names none.
            log.warning("signing in again failed: %s", type(error).__name__)
        except Exception:
            log.warning("signing in again failed: the credentials function raised")
        finally:
            with self._lock:
                if self._relogin is threading.current_thread():
                    self._relogin = None

    def _wait_for_relogin(self, timeout: float | None) -> None:
        thread = self._relogin
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # ---- notifications

    def on_change(self, callback: ChangeCallback) -> Callable[[], None]:
        """Call `callback(change)` for each dataSync/changed notification; returns its remover.

        Callbacks run on the reader thread, in sequence order and before the response of the
        request that caused the change. They must not wait on this client (a call from one
        raises RuntimeError); an exception they raise is logged and the others still run.
        """
        with self._lock:
            self._listeners.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return remove

    def changes(self, timeout: float | None = None) -> Iterator[ChangeNotification]:
        """Yield change notifications in arrival order, then stop after `timeout` quiet seconds.

        Every change received since spawn waits here until read, so a loop run after a request
        still sees the changes it caused. None waits until the client closes. If the process
        dies, the changes received are yielded and then PortalConnectionError is raised.
        """
        while True:
            try:
                change = self._changes.get(timeout=timeout)
            except queue.Empty:
                return
            if change is None:  # the connection ended; leave the marker for other readers
                self._changes.put(None)
                if not self._closing:
                    raise self._connection_error()
                return
            yield change

    # ---- closing

    def close(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Send shutdown and exit, wait for the process, and raise unless it exits with status 0."""
        try:
            with self._lock:
                still_open = self._closed_reason is None
            if still_open:
                if not self._shut_down:
                    self.shutdown()
                self._closing = True
                self._set_closed("the client is closed")
                self.exit()
        finally:
            self._stop_process(timeout)
        returncode = self.process.returncode
        if returncode != 0:
            raise PortalConnectionError(describe_exit(returncode, self._stderr_tail), returncode)

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- internals

    def _start_thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def _forget(self, request_id: int) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def _send(self, message: dict[str, Any], params: Params) -> None:
        if params is not None:
            message["params"] = params
        line = dumps(message).encode() + b"\n"
        stdin = self.process.stdin
        assert stdin is not None
        with self._write_lock:
            try:
                stdin.write(line)
                stdin.flush()
            except (BrokenPipeError, ValueError):  # the process is gone, or we closed its input
                if threading.current_thread() is not self._reader:
                    self._reader.join(timeout=5)  # let it record how the process ended
                self._set_closed("portal-rpc stopped reading its input")
                raise self._connection_error() from None

    def _read_stdout(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        for line in stdout:
            try:
                message = loads(line)
            except ValueError:
                log.warning("portal-rpc wrote a line that is not JSON; skipped it")
                continue
            for item in message if isinstance(message, list) else [message]:
                self._dispatch(item)
        self._connection_ended()

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict):
            log.warning("portal-rpc wrote a message that is not an object; skipped it")
        elif message.get("method") == "dataSync/changed":
            self._deliver(message["params"])
        elif message.get("method") == "auth/expired":
            self._session_ended(message.get("params") or {})
        elif "id" in message and "method" not in message:
            with self._lock:
                future = self._pending.pop(message["id"], None)
            if future is not None:  # None: the answer to a call that timed out
                future.set_result(message)

    def _deliver(self, change: ChangeNotification) -> None:
        self._changes.put(change)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                log.exception("a change callback raised")

    def _session_ended(self, params: AuthExpiredNotification) -> None:
        """auth/expired: forget the session, sign in again if the client can, tell the callbacks."""
        with self._lock:
            self._session = None
            if self._credentials is not None and self._relogin is None and not self._closing:
                self._start_relogin()
            listeners = list(self._auth_listeners)
        for listener in listeners:
            try:
                listener(params)
            except Exception:
                log.exception("an auth/expired callback raised")

    def _connection_ended(self) -> None:
        returncode = self.process.wait()
        self._stderr_reader.join(timeout=5)
        self._set_closed(describe_exit(returncode, self._stderr_tail))
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for future in pending:
            future.set_exception(self._connection_error())
        self._changes.put(None)

    def _read_stderr(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        for raw in stderr:
            line = raw.decode(errors="replace").rstrip()
            self._stderr_tail.append(line)
            log.debug("%s", line)

    def _set_closed(self, reason: str) -> None:
        with self._lock:
            self._closed_reason = self._closed_reason or reason

    def _connection_error(self) -> PortalConnectionError:
        return PortalConnectionError(self._closed_reason or "closed", self.process.returncode)

    def _stop_process(self, timeout: float) -> None:
        """Close the process's input (it then exits), wait for it, kill it if it will not."""
        if self.process.stdin:
            with self._write_lock, contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join()
        self._stderr_reader.join()
        for output in (self.process.stdout, self.process.stderr):
            if output:
                output.close()


def _checked_credentials(credentials: Any) -> Any:
    """The credentials, or their function, once checked for their form (never their values,
    which no message repeats)."""
    if callable(credentials):
        return credentials
    valid = isinstance(credentials, dict) and (
        all(isinstance(credentials.get(key), str) for key in ("username", "password"))
        or isinstance(credentials.get("token"), str)
    )
    if not valid:
        raise TypeError(
            "credentials must be {username, password}, {token}, or a function that returns them"
        )
    return credentials


def _credentials_of(source: Credentials | None) -> LoginCredentials:
    """The credentials `source` holds or (a function) returns."""
    if source is None:
        raise ValueError("no credentials to sign in with")
    if callable(source):
        given: LoginCredentials = _checked_credentials(source())
        return given
    return source


def find_command(command: str | Sequence[str] | None = None) -> list[str]:
    """The argv that starts portal-rpc: `command`, else $PORTAL_RPC, the local build, PATH."""
    if command is None:
        command = os.environ.get("PORTAL_RPC") or default_executable()
    return [command] if isinstance(command, str) else list(command)


def default_executable() -> str:
    """The local debug build when there is one, else portal-rpc on PATH."""
    if LOCAL_BUILD.exists():
        return str(LOCAL_BUILD.resolve())
    found = shutil.which("portal-rpc")
    if found is None:
        raise FileNotFoundError(
            "portal-rpc not found: set PORTAL_RPC, run `swift build`, or put it on PATH"
        )
    return found


def describe_exit(returncode: int, stderr_tail: deque[str]) -> str:
    """'portal-rpc exited with status 3: <its last stderr line>' or '... was killed by signal 9'."""
    if returncode < 0:
        return f"portal-rpc was killed by signal {-returncode}"
    reason = f": {stderr_tail[-1]}" if returncode != 0 and stderr_tail else ""
    return f"portal-rpc exited with status {returncode}{reason}"
