"""The runnable examples exit 0 and say what they saw."""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

import portal_rpc_client
from tests.support import PYTHON_DIR

# Where the package these tests import lives: this folder, or site-packages once installed.
PACKAGE_HOME = str(Path(portal_rpc_client.__file__).resolve().parent.parent)


def run_example(name: str) -> subprocess.CompletedProcess[str]:
    """Run examples/<name> as a separate process, the way the README shows, on this package."""
    command = [sys.executable, str(PYTHON_DIR / "examples" / name)]
    env = {**os.environ, "PYTHONPATH": PACKAGE_HOME}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


class ExamplesTest(unittest.TestCase):
    def assert_ran_and_cleaned_up(self, result: subprocess.CompletedProcess[str]) -> None:
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        data_dir = re.search(r"Data directory: (\S+)", result.stdout)
        assert data_dir is not None
        self.assertFalse(os.path.exists(data_dir[1]), "the example left its data directory")

    def test_cross_section_flow(self) -> None:
        result = run_example("cross_section_flow.py")
        self.assert_ran_and_cleaned_up(result)
        self.assertRegex(result.stdout, r"appointment \d+ created \(by addAppointment\)")
        self.assertRegex(result.stdout, r"nextAppointment: \d{4}-\d\d-\d\d")
        self.assertRegex(result.stdout, r"next appointment: \d{4}-\d\d-\d\d\n$")

    def test_two_windows(self) -> None:
        result = run_example("two_windows.py")
        self.assert_ran_and_cleaned_up(result)
        self.assertIn("origin peer", result.stdout)
        self.assertRegex(result.stdout, r"Window B saw all \d+ records renamed by its peer")


if __name__ == "__main__":
    unittest.main()
