"""The package's types.py and methods.py match the schema they are generated from."""

import inspect
import json
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

from portal_rpc_client.methods import PortalMethods
from tests.support import PYTHON_DIR, temp_dir

GENERATOR = PYTHON_DIR / "generate_types.py"
PACKAGE_DIR = PYTHON_DIR / "portal_rpc_client"
SCHEMA_DIR = PYTHON_DIR.parent.parent / "schema"


def run_check(generator: Path) -> subprocess.CompletedProcess[str]:
    """`generate_types.py --check` as a separate process."""
    command = [sys.executable, str(generator), "--check"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


class GeneratedFilesTest(unittest.TestCase):
    def test_the_committed_files_are_current(self) -> None:
        result = run_check(GENERATOR)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_check_names_a_stale_file(self) -> None:
        root = Path(temp_dir(self))  # the same layout: schema/ and examples/python/
        shutil.copytree(SCHEMA_DIR, root / "schema")
        copy = root / "examples" / "python"
        (copy / "portal_rpc_client").mkdir(parents=True)
        for name in ("generate_types.py", "types.py", "methods.py"):
            source = PYTHON_DIR / name if name == "generate_types.py" else PACKAGE_DIR / name
            shutil.copy(source, copy / source.relative_to(PYTHON_DIR))
        (copy / "portal_rpc_client" / "types.py").write_text("# edited by hand\n")

        result = run_check(copy / "generate_types.py")
        self.assertEqual(result.returncode, 1)
        self.assertIn("portal_rpc_client/types.py is out of date", result.stderr)
        self.assertNotIn("methods.py", result.stderr)

    def test_every_openrpc_method_has_a_wrapper_with_its_params(self) -> None:
        openrpc = json.loads((SCHEMA_DIR / "openrpc.json").read_text())
        for method in openrpc["methods"]:
            name = method["name"].replace("rpc.", "rpc_").removeprefix("$/")
            with self.subTest(method=method["name"]):
                wrapper = getattr(PortalMethods, name)
                params = list(inspect.signature(wrapper).parameters)[1:]
                self.assertEqual(params, [param["name"] for param in method["params"]])
                doc = " ".join(str(inspect.getdoc(wrapper)).split())
                self.assertEqual(doc, " ".join(method["summary"].split()))


if __name__ == "__main__":
    unittest.main()
