"""The client is a package: importable by name, and installable with pip from this folder."""

import os
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

import portal_rpc_client
from portal_rpc_client import types as portal_types
from tests.support import PYTHON_DIR, temp_dir

# pip answers this when it cannot reach a package index for the build backend (setuptools).
NO_INDEX = re.compile(r"No matching distribution found for setuptools|Could not find a version")
BUILD_LEFTOVERS = ("build", "*.egg-info", "__pycache__")
SYS_PATH_EDIT = re.compile(r"sys\.path\.(insert|append|extend)|sys\.path\s*\+?=")


class PackageTest(unittest.TestCase):
    def test_the_public_api_is_importable_from_the_package(self) -> None:
        for name in portal_rpc_client.__all__:
            with self.subTest(name=name):
                self.assertTrue(hasattr(portal_rpc_client, name))
        self.assertTrue(issubclass(portal_rpc_client.PortalClient, portal_rpc_client.PortalMethods))
        self.assertIn("Patient", vars(portal_types))

    def test_nothing_edits_sys_path(self) -> None:
        for path in sorted(PYTHON_DIR.rglob("*.py")):
            with self.subTest(file=str(path.relative_to(PYTHON_DIR))):
                self.assertIsNone(SYS_PATH_EDIT.search(path.read_text()))

    def test_pip_installs_it_into_a_fresh_venv_and_the_examples_run_from_there(self) -> None:
        venv = Path(temp_dir(self)) / "venv"
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=120
        )
        if made.returncode != 0:
            self.skipTest(f"this Python cannot make a venv: {made.stderr.strip()[-200:]}")
        python = str(venv / "bin" / "python")
        # A copy, because setuptools builds in the folder it installs from (build/, *.egg-info).
        source = Path(temp_dir(self)) / "python"
        shutil.copytree(PYTHON_DIR, source, ignore=shutil.ignore_patterns(*BUILD_LEFTOVERS))
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        installed = subprocess.run(pip + [str(source)], capture_output=True, text=True, timeout=300)
        if installed.returncode != 0 and NO_INDEX.search(installed.stdout + installed.stderr):
            self.skipTest("no package index to fetch the build backend from")
        self.assertEqual(installed.returncode, 0, installed.stdout + installed.stderr)

        # Outside this folder, so that only the installed copy can be imported.
        elsewhere = temp_dir(self)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env["PORTAL_RPC"] = portal_rpc_client.find_command()[0]  # what the other tests run
        where = subprocess.run(
            [python, "-c", "import portal_rpc_client.types; print(portal_rpc_client.__file__)"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=elsewhere,
            env=env,
        )
        self.assertEqual(where.returncode, 0, where.stderr)
        self.assertTrue(where.stdout.startswith(str(venv)), where.stdout)

        example = subprocess.run(
            [python, str(PYTHON_DIR / "examples" / "two_windows.py")],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=elsewhere,
            env=env,
        )
        self.assertEqual(example.returncode, 0, example.stdout + example.stderr)


if __name__ == "__main__":
    unittest.main()
