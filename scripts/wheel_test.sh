#!/usr/bin/env bash
# make wheel-test: installs the wheel that `make wheel` left in dist/ into a fresh virtual environment (outside the
# checkout, numpy from pip's index) and runs python/wheel_test/smoke.py with it, from a folder outside the checkout,
# in a private mount namespace where an empty tmpfs covers the Swift toolchain, with no INFALIGN_LIBRARY,
# INFALIGN_CLI, PYTHONPATH or LD_LIBRARY_PATH. So the wheel has to carry everything but glibc and libstdc++: the
# smoke checks that the package and libInfAlignC come from site-packages, that OpenBLAS, LAPACKE and gfortran are
# mapped from the wheel's infalign.libs/ (not /usr/lib), that no Swift runtime is mapped, and that the library
# computes (known values, closed forms, numpy formulas).
#
# Usage: scripts/wheel_test.sh [WHEEL]   (default: the one dist/infalign-$(cat VERSION)-py3-none-manylinux_*.whl)
# Needs unshare(1) and the right to mount (root, or CAP_SYS_ADMIN), as on the project's Debian machines and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SWIFT=${SWIFT:-swift}

if [ $# -ge 1 ]; then
  wheel=$1
else
  shopt -s nullglob
  wheels=(dist/infalign-"$(cat VERSION)"-py3-none-manylinux_*_x86_64.whl)
  if [ ${#wheels[@]} -ne 1 ]; then
    echo "wheel-test: expected one dist/infalign-$(cat VERSION)-py3-none-manylinux_*_x86_64.whl, found ${#wheels[@]}; run make wheel" >&2
    exit 1
  fi
  wheel=${wheels[0]}
fi
wheel=$(readlink -f "$wheel")

if ! command -v unshare >/dev/null 2>&1; then
  echo "wheel-test: unshare(1) is missing (Debian: apt-get install util-linux); it hides the Swift toolchain" >&2
  exit 1
fi
if ! unshare --mount true 2>/dev/null; then
  echo "wheel-test: unshare --mount failed: hiding the Swift toolchain needs a private mount namespace (root or CAP_SYS_ADMIN)" >&2
  exit 1
fi

# What to hide: the toolchain's own folder (/opt/swift for /opt/swift/usr/bin/swift); where the toolchain lives
# under / or /usr, only its runtime folder (PREFIX/lib/swift), never /usr itself.
work=$(mktemp -d "${TMPDIR:-/tmp}/infalign-wheel-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
if swift_bin=$(command -v "$SWIFT" 2>/dev/null); then
  prefix=$(dirname "$(dirname "$(readlink -f "$swift_bin")")")  # .../usr
  root=$(dirname "$prefix")
  case "$root" in
    / | /usr | /usr/local) hide=$prefix/lib/swift ;;
    *) hide=$root ;;
  esac
else
  hide=$work/no-toolchain  # no toolchain on PATH: nothing to hide, the smoke still checks it is not mapped
  mkdir -p "$hide"
fi
echo "wheel-test: $(basename "$wheel") into a fresh venv; hiding $hide"

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel"
mkdir -p "$work/run"
cp python/wheel_test/smoke.py "$work/run/"

# -I: no PYTHON* variables, no user site, and the script's folder (a copy, outside the checkout) is all it adds.
unshare --mount --propagation private -- sh -c '
  mount -t tmpfs -o size=1m,mode=0755 infalign-hide "$1" || exit 1
  cd "$2" && exec env -u INFALIGN_LIBRARY -u INFALIGN_CLI -u PYTHONPATH -u PYTHONHOME -u LD_LIBRARY_PATH \
    -u LD_PRELOAD "$3" -I smoke.py "$1"
' wheel-test "$hide" "$work/run" "$work/venv/bin/python"
