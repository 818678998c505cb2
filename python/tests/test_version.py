"""One release version: the repository's VERSION file, which the package (infalign.__version__, also the wheel's
version through pyproject's dynamic attr) and the library (infalign_version(), make c-test checks it from C) both
carry; importing the package over a library of another release fails and names both."""

import re
import subprocess
import sys

import infalign
from infalign import _native
from conftest import REPO


def test_package_library_and_version_file_agree():
    version = (REPO / "VERSION").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert infalign.__version__ == version
    assert _native.library_version == version
    assert _native.lib.infalign_version() == version.encode()
    assert f"## [{version}]" in (REPO / "CHANGELOG.md").read_text()


def test_a_library_of_another_release_is_refused_at_import():
    # The package's submodules load first (under a stand-in parent), the library's version is then changed as an
    # older library would report it, and the real package import must refuse the pair.
    code = """
import importlib.util, sys, types
spec = importlib.util.find_spec("infalign")
stub = types.ModuleType("infalign")
stub.__path__ = list(spec.submodule_search_locations)
sys.modules["infalign"] = stub
import infalign._native
infalign._native.library_version = "0.1.0"
del sys.modules["infalign"]
try:
    import infalign
except ImportError as error:
    print(error)
else:
    print("imported")
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert f"infalign {infalign.__version__} found libInfAlignC 0.1.0 at " in out
    assert "must be the same release" in out
