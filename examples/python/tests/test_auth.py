"""Signing in: login keeps the session, a second window joins it with the token, and a client
given credentials signs in again by itself when the server signs it out. No password or token
ever shows in an error's text."""

from __future__ import annotations

import threading
import traceback
import unittest
from typing import Any

from portal_rpc_client import (
    InvalidParamsError,
    PortalClient,
    UnauthenticatedError,
    find_command,
)
from portal_rpc_client.types import AuthExpiredNotification, LoginCredentials
from tests.support import add_staff, new_patient, spawn, temp_dir

USERNAME = "ada"
PASSWORD = "correct horse battery staple"
CREDENTIALS: LoginCredentials = {"username": USERNAME, "password": PASSWORD}
IDLE = [*find_command(), "--idle-timeout", "1s"]  # the shortest the server allows
WAIT_SECONDS = 10.0


class Notices:
    """The auth/expired notifications a client receives, to wait for instead of sleeping."""

    def __init__(self, client: PortalClient) -> None:
        self.received: list[AuthExpiredNotification] = []
        self._arrived = threading.Event()
        client.on_auth_expired(self._receive)

    def _receive(self, params: AuthExpiredNotification) -> None:
        self.received.append(params)
        self._arrived.set()

    def wait(self) -> AuthExpiredNotification:
        if not self._arrived.wait(WAIT_SECONDS):
            raise AssertionError(f"no auth/expired within {WAIT_SECONDS} s")
        return self.received[0]


class AuthTest(unittest.TestCase):
    def setUp(self) -> None:
        self.data_dir = temp_dir(self)
        add_staff(self.data_dir, USERNAME, PASSWORD, name="Ada Admin")

    def test_before_login_a_data_method_is_refused_and_after_it_works(self) -> None:
        client = spawn(self, self.data_dir)
        self.assertIsNone(client.session)
        self.assertFalse(client.isAuthenticated())
        self.assertEqual(client.ping(), "pong")  # open without a sign-in
        with self.assertRaises(UnauthenticatedError) as refused:
            client.getPatients()
        self.assertEqual(refused.exception.code, -32010)

        answer = client.login(CREDENTIALS)

        self.assertEqual(client.session, answer)
        self.assertEqual(answer["user"]["username"], USERNAME)
        self.assertEqual(answer["user"]["name"], "Ada Admin")
        self.assertEqual(answer["user"]["role"], "admin")
        self.assertIn("patient:write", answer["user"]["permissions"])
        self.assertTrue(answer["token"] and answer["refreshToken"] and answer["expiresAt"])
        self.assertTrue(client.isAuthenticated())
        patient_id = client.addPatient(new_patient())["id"]
        self.assertEqual(client.getPatient(patient_id)["name"], "John Doe")
        self.assertEqual(client.getPatients()["total"], 1)

        client.logout()
        self.assertIsNone(client.session)
        with self.assertRaises(UnauthenticatedError):
            client.getPatients()

    def test_a_second_client_joins_with_the_token_and_a_logout_ends_both(self) -> None:
        first = spawn(self, self.data_dir, credentials=CREDENTIALS)
        second = spawn(self, self.data_dir)
        assert first.session is not None

        joined = second.login_with_token(first.session["token"])

        self.assertEqual(joined["user"], first.session["user"])
        self.assertEqual(second.session, joined)
        self.assertEqual(second.getUser(), first.session["user"])
        self.assertEqual(second.getPatients()["total"], 0)

        # The second client has no credentials: the end of the sign-in reaches its caller.
        notices = Notices(second)
        first.logout()
        with self.assertRaises(UnauthenticatedError):
            second.getPatients()
        self.assertEqual(notices.wait(), {"reason": "revoked"})
        self.assertIsNone(second.session)
        # After its own logout the first client does not sign in again by itself.
        self.assertIsNone(first.session)
        with self.assertRaises(UnauthenticatedError):
            first.getPatients()

    def test_with_credentials_it_signs_in_again_after_an_idle_sign_out(self) -> None:
        client = spawn(self, self.data_dir, command=IDLE, credentials=CREDENTIALS)
        assert client.session is not None
        before = client.session["token"]
        notices = Notices(client)

        self.assertEqual(notices.wait(), {"reason": "idle"})

        self.assertEqual(client.getPatients()["total"], 0)  # the client signed in again first
        self.assertTrue(client.isAuthenticated())
        assert client.session is not None
        self.assertNotEqual(client.session["token"], before)

    def test_a_call_that_finds_its_session_revoked_is_sent_again(self) -> None:
        asked: list[int] = []

        def credentials() -> LoginCredentials:  # asked each time the client signs in
            asked.append(1)
            return CREDENTIALS

        client = spawn(self, self.data_dir, credentials=credentials)
        other = spawn(self, self.data_dir)
        assert client.session is not None
        other.login_with_token(client.session["token"])
        notices = Notices(client)

        other.logout()  # the client is part of that sign-in, and hears with its next request
        page = client.getPatients()

        self.assertEqual(page["total"], 0)
        self.assertEqual(notices.received, [{"reason": "revoked"}])
        self.assertEqual(len(asked), 2)
        self.assertTrue(client.isAuthenticated())

    def test_without_credentials_the_sign_out_reaches_the_caller(self) -> None:
        client = spawn(self, self.data_dir, command=IDLE)
        client.login(CREDENTIALS)  # not remembered
        notices = Notices(client)

        self.assertEqual(notices.wait(), {"reason": "idle"})

        self.assertIsNone(client.session)
        with self.assertRaises(UnauthenticatedError):
            client.getPatients()
        client.login(CREDENTIALS, remember=True)
        self.assertEqual(client.getPatients()["total"], 0)

    def test_no_password_or_token_appears_in_any_error(self) -> None:
        wrong = "not-the-password-4821"
        errors: list[BaseException] = []

        def keep(attempt: Any, *args: Any, **kwargs: Any) -> None:
            try:
                attempt(*args, **kwargs)
            except (UnauthenticatedError, InvalidParamsError, TypeError, ValueError) as error:
                errors.append(error)
            else:
                self.fail("expected an error")

        client = spawn(self, self.data_dir)
        keep(client.login, {"username": USERNAME, "password": wrong})
        keep(client.login, {"username": wrong, "password": PASSWORD})  # the password as username
        keep(client.login, {"username": USERNAME, "password": 42})  # refused by the client
        keep(client.login, {"token": "pa_" + wrong})
        keep(client.call, "login", [{"username": USERNAME, "password": wrong, "extra": PASSWORD}])
        for _ in range(6):
            keep(client.login, {"username": "locked", "password": wrong})
        last = errors[-1]
        assert isinstance(last, UnauthenticatedError)
        self.assertGreater(last.retry_after_ms or 0, 0, "the lockout says how long to wait")
        keep(
            PortalClient.spawn,
            data_dir=self.data_dir,
            credentials={"username": USERNAME, "password": wrong},
        )

        # An automatic sign-in that fails: the password changed behind the client's back.
        password = [PASSWORD]
        idle = spawn(
            self,
            self.data_dir,
            command=IDLE,
            credentials=lambda: {"username": USERNAME, "password": password[0]},
        )
        assert idle.session is not None
        secrets = [PASSWORD, wrong, idle.session["token"], idle.session["refreshToken"]]
        password[0] = wrong
        notices = Notices(idle)
        with self.assertLogs("portal_rpc_client", level="WARNING") as logs:
            notices.wait()
            keep(idle.getPatients)  # waits for the sign-in, which fails

        self.assertGreaterEqual(len(errors), 13)
        for error in errors:
            texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
            for text in texts + logs.output:
                for secret in secrets:
                    self.assertNotIn(secret, text, f"{type(error).__name__} shows a secret")


if __name__ == "__main__":
    unittest.main()
