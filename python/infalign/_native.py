"""Loading libInfAlignC and declaring the C ABI of ``include/infalign.h`` for ctypes.

ctypes releases the GIL for the duration of every foreign call, so calls from several Python threads run in
parallel in the library (which is thread-safe and keeps its last-error message per thread).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn, Optional, Tuple

from ._errors import ArgumentError, raise_for_status

ABI_VERSION = 1

_SUFFIX = ".dylib" if sys.platform == "darwin" else ".so"
_NAME = "libInfAlignC" + _SUFFIX


def _candidates() -> Iterator[Path]:
    env = os.environ.get("INFALIGN_LIBRARY")
    if env:
        yield Path(env)
        return
    here = Path(__file__).resolve().parent
    yield here / _NAME  # installed next to the package by `pip install ./python` / `make python`
    repo = here.parent.parent  # a source checkout: python/infalign -> repository root
    for config in ("release", "debug"):
        yield repo / ".build" / config / _NAME


def _load() -> Tuple[ctypes.CDLL, Path]:
    tried = []
    for path in _candidates():
        tried.append(str(path))
        if path.is_file():
            return ctypes.CDLL(str(path)), path
    raise ImportError(
        "infalign: cannot find " + _NAME + " (tried " + ", ".join(tried) + "); build it with `make python` or "
        "`swift build -c release --product InfAlignC`, or set INFALIGN_LIBRARY to its path"
    )


lib, library_path = _load()

_p = ctypes.c_void_p  # every pointer (buffers, handles, structs) is passed as an address
_i64 = ctypes.c_int64
_i32 = ctypes.c_int32
_f64 = ctypes.c_double
_str = ctypes.c_char_p

_SIGNATURES = {
    "infalign_thread_count": [_p],
    "infalign_set_thread_count": [_i64],
    "infalign_transform_parse": [_str, _p],
    "infalign_transform_table": [_p, _p, _i64, _p],
    "infalign_transform_free": [_p],
    "infalign_transform_describe": [_p, _p, _i64, _p],
    "infalign_transform_table_points": [_p, _p],
    "infalign_transform_table_copy": [_p, _p, _p, _i64],
    "infalign_transform_apply_f64": [_p, _p, _i64],
    "infalign_transform_apply_f32": [_p, _p, _i64],
    "infalign_procedure_parse": [_str, _p],
    "infalign_procedure_free": [_p],
    "infalign_procedure_describe": [_p, _p, _i64, _p],
    "infalign_procedure_value": [_p, _p, _p, _i64],
    "infalign_calibrate_f64": [_p, _i64, _p, _i64, _i64, _i32, _p],
    "infalign_calibrate_f32": [_p, _i64, _p, _i64, _i64, _i32, _p],
    "infalign_calibrate_ragged_f64": [_p, _p, _p, _p, _i64, _i32, _p],
    "infalign_calibrate_ragged_f32": [_p, _p, _p, _p, _i64, _i32, _p],
    "infalign_table_create_f64": [_p, _i64, _i64, _p],
    "infalign_table_create_f32": [_p, _i64, _i64, _p],
    "infalign_table_create_ragged_f64": [_p, _p, _i64, _p],
    "infalign_table_create_ragged_f32": [_p, _p, _i64, _p],
    "infalign_table_free": [_p],
    "infalign_table_prompts": [_p, _p],
    "infalign_table_shape": [_p, _p, _p, _p],
    "infalign_table_references_copy_f64": [_p, _p, _i64, _p],
    "infalign_table_references_copy_f32": [_p, _p, _i64, _p],
    "infalign_table_calibrate_f64": [_p, _p, _i64, _i32, _p],
    "infalign_table_calibrate_f32": [_p, _p, _i64, _i32, _p],
    "infalign_table_calibrate_ragged_f64": [_p, _p, _p, _i32, _p],
    "infalign_table_calibrate_ragged_f32": [_p, _p, _p, _i32, _p],
    "infalign_analyze": [_p, _f64, _p, _p, _p],
    "infalign_analyze_kl": [_p, _f64, _p, _p, _p],
    "infalign_beta_for_kl": [_p, _f64, _p],
    "infalign_tune": [_str, _f64, _p, _p, _f64, _f64, _p, _p],
    "infalign_optimal_transform": [_p, _p, _f64, _i64, _str, _p, _p],
    "infalign_optimal_transform_kl": [_p, _p, _f64, _i64, _str, _p, _p],
    "infalign_win_rates_f64": [_p, _p, _p, _p, _i64, _p, _p],
    "infalign_win_rates_f32": [_p, _p, _p, _p, _i64, _p, _p],
    "infalign_bootstrap": [_p, _i64, _i64, _f64, ctypes.c_uint64, _p],
    "infalign_tilt_weights_f64": [_p, _p, _p, _p, _i64, _i32, _p, _i32, _f64, _p, _i64, _i64] + [_p] * 8,
    "infalign_tilt_weights_f32": [_p, _p, _p, _p, _i64, _i32, _p, _i32, _f64, _p, _i64, _i64] + [_p] * 8,
    "infalign_ctrl_options_create": [_p],
    "infalign_ctrl_options_set": [_p, _str, _str],
    "infalign_ctrl_options_set_transform": [_p, _p],
    "infalign_ctrl_options_validate": [_p],
    "infalign_ctrl_options_free": [_p],
    "infalign_ctrl_step_f64": [_p, _p, _i64, _i64] + [_p] * 13,
    "infalign_ctrl_step_f32": [_p, _p, _i64, _i64] + [_p] * 13,
    "infalign_ctrl_step_tokens_f64": [_p, _p, _i64, _i64, _i64] + [_p] * 14,
    "infalign_ctrl_step_tokens_f32": [_p, _p, _i64, _i64, _i64] + [_p] * 14,
    "infalign_ctrl_step_rollout_f64": [_p, _p, _i64, _i64, _i64] + [_p] * 15,
    "infalign_ctrl_step_rollout_f32": [_p, _p, _i64, _i64, _i64] + [_p] * 15,
}

for _name, _args in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.argtypes = _args
    _fn.restype = _i32

lib.infalign_abi_version.argtypes = []
lib.infalign_abi_version.restype = _i32
lib.infalign_last_error.argtypes = []
lib.infalign_last_error.restype = _str

if lib.infalign_abi_version() != ABI_VERSION:
    raise ImportError(
        f"infalign: {library_path} implements C ABI version {lib.infalign_abi_version()}, this package needs "
        f"{ABI_VERSION}; rebuild with `make python`"
    )

try:
    _version_function = lib.infalign_version
except AttributeError:
    raise ImportError(
        f"infalign: {library_path} has no infalign_version(): a library from before 0.2.0; rebuild with `make python`"
    ) from None
_version_function.argtypes = []
_version_function.restype = _str
# The library's release version (the repository's VERSION file); the package checks it against __version__.
library_version: str = _version_function().decode("ascii")


class NativeHandle:
    """The one owner of one library handle: its address and the ``*_free`` function that releases it.

    Every Python object holding a handle keeps it in one of these (``_owner``) and reads the address through it,
    so the address lives in exactly one place. ``free()`` and ``__del__`` are idempotent (the address is cleared
    before the library frees it), and an owner refuses to be pickled or copied: a copy of the raw address would
    free the handle twice. Objects that can be copied say how, by value, in their own ``__reduce__``.
    """

    __slots__ = ("address", "_free", "__weakref__")

    def __init__(self, address: Optional[int], free: Callable[[int], object]) -> None:
        self.address = address or None
        self._free = free

    def free(self) -> None:
        address, self.address = self.address, None
        if address:
            try:
                self._free(address)
            except Exception:  # interpreter shutdown: the library may be gone already
                pass

    __del__ = free

    def __reduce__(self) -> NoReturn:
        raise TypeError("an infalign library handle cannot be pickled or copied (its owner pickles by value)")

    def __repr__(self) -> str:
        return f"NativeHandle({'freed' if self.address is None else hex(self.address)})"


class HandleOwner:
    """Base of the classes whose objects hold a library handle (``_handle``, read through their ``_owner``).

    Pickling and ``copy.copy``/``copy.deepcopy`` are refused with a TypeError unless the class defines
    ``__reduce__`` to rebuild the object by value (its text form, its data); the handle is never shared.
    """

    _owner: Optional[NativeHandle] = None
    _free: Any = None  # the class's *_free function (a ctypes function of the library)

    @property
    def _handle(self) -> Optional[int]:
        owner = self._owner
        return None if owner is None else owner.address

    def _own(self, address: Optional[int]) -> None:
        self._owner = NativeHandle(address, type(self)._free)

    def __reduce__(self) -> Tuple[Callable[..., Any], Tuple[Any, ...]]:  # what the subclasses that pickle return
        raise TypeError(f"{type(self).__name__} objects cannot be pickled or copied")


def last_error() -> str:
    """This thread's message for its last failed call."""
    message: bytes = lib.infalign_last_error()
    return message.decode("utf-8", "replace")


def check(status: int) -> None:
    """Raises the ``InfAlignError`` subclass for a non-zero status, with the library's message."""
    if status:
        raise_for_status(status, last_error())


def text_argument(value: object, name: str) -> bytes:
    """``value`` as the NUL-terminated UTF-8 text a ``const char *`` argument takes, checked first.

    C text ends at its first NUL, so ``"exp:2\\x00junk"`` would reach the library as ``exp:2`` and run: a NUL
    inside is refused instead. Bytes must be UTF-8 (the library would refuse them too, with less context); a str
    holding a lone surrogate (e.g. from ``surrogateescape``) has no UTF-8 form.

    Args:
        value: a str, or bytes/bytearray holding UTF-8; anything else is formatted with ``str()``.
        name: the argument's name, for the message.
    Raises:
        ArgumentError (a ValueError): a NUL (its position: characters for a str, bytes for bytes), or no UTF-8,
        naming ``name``.
    """
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ArgumentError(f"{name}: text is not valid UTF-8 at byte {e.start} (0x{data[e.start]:02X})") from None
        nul = data.find(b"\0")
    else:
        text = value if isinstance(value, str) else str(value)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ArgumentError(f"{name}: text has no UTF-8 form at position {e.start} "
                                f"({text[e.start]!r} is a lone surrogate)") from None
        nul = text.find("\0")
    if nul >= 0:
        raise ArgumentError(f"{name}: text contains a NUL character at position {nul} (C text would end there)")
    return data


# Result structs of the header (every field 8 bytes).
class Point(ctypes.Structure):
    _fields_ = [(n, _f64) for n in ("beta", "log_z", "kl", "standard_win_rate", "win_rate")]


class OptimalSummary(ctypes.Structure):
    _fields_ = [(n, _f64) for n in ("beta", "kl", "standard_win_rate", "win_rate", "objective", "residual")] + [
        ("iterations", _i64),
        ("stationary_points", _i64),
    ]


class Interval(ctypes.Structure):
    _fields_ = [(n, _f64) for n in ("estimate", "lower", "upper", "standard_error", "level")] + [("resamples", _i64)]


class TiltSummary(ctypes.Structure):
    _fields_ = [(n, _f64) for n in ("beta", "log_beta", "scaled_beta", "log_z", "kl", "standard_win_rate")]


class CTRLSummary(ctypes.Structure):
    _fields_ = [(n, _f64) for n in ("loss", "mean_k1", "mean_k2", "mean_k3", "clipped_fraction")] + [
        ("masked_count", _i64)
    ] + [(n, _f64) for n in ("policy_loss", "kl_loss")]
