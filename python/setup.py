"""Builds libInfAlignC with SwiftPM (release) and ships it inside the package: `pip install ./python`.

Set INFALIGN_LIBRARY to an already built library to skip the Swift build. The library links the Swift runtime of
the toolchain that built it (its RUNPATH names the toolchain's lib directory), so install on the machine that
has the toolchain, or build with `-static-stdlib` where the toolchain supports it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:  # setuptools >= 70.1 carries bdist_wheel; before that it came with the wheel package
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    from wheel.bdist_wheel import bdist_wheel

NAME = "libInfAlignC" + (".dylib" if sys.platform == "darwin" else ".so")


def _library() -> Path:
    given = os.environ.get("INFALIGN_LIBRARY")
    if given:
        return Path(given)
    repo = Path(__file__).resolve().parent.parent
    if not (repo / "Package.swift").is_file():
        sys.exit("infalign: build from a checkout of InfAlign-Swift (python/ inside it), or set INFALIGN_LIBRARY")
    swift = os.environ.get("SWIFT", "swift")
    subprocess.check_call([swift, "build", "-c", "release", "--product", "InfAlignC"], cwd=repo)
    path = subprocess.check_output([swift, "build", "-c", "release", "--show-bin-path"], cwd=repo, text=True).strip()
    return Path(path) / NAME


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "infalign" / NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_library(), target)


class BinaryDistribution(Distribution):
    def has_ext_modules(self):  # a platform wheel: the package carries a native library
        return True


class AnyPythonWheel(bdist_wheel):
    """Tags the wheel py3-none-<platform>: the library is loaded with ctypes, not built against CPython's C API, so
    one wheel serves every Python 3 (>= requires-python) on its platform. `auditwheel repair` then replaces
    linux_x86_64 with the manylinux tag (make wheel)."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": AnyPythonWheel}, distclass=BinaryDistribution)
