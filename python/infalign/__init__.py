"""InfAlign: inference-aware alignment (calibrate-and-transform RL, arXiv 2412.19792) from Python.

A thin ctypes layer over the Swift library's C ABI (``include/infalign.h``, ``libInfAlignC``): results are the
Swift library's to the last bit. numpy arrays and torch CPU tensors of float32 or float64 are used in place when
contiguous; ``out=`` arguments receive results in the caller's memory. The GIL is released during every library
call, and every object here is immutable, so calls from many threads run in parallel. Errors are
:class:`InfAlignError` subclasses carrying the library's message (which names the prompt, sample and field).
"""

from ._errors import (ArgumentError, EmptyReferencesError, InfAlignError, InvalidParameterError, MathError,
                      NonFiniteError, ParseError, ShapeError)
from ._native import ABI_VERSION, library_path
from ._native import library_version as _library_version
from .analysis import (CalibratedPoint, OptimalTransformResult, TunedTransform, analyze, beta_for_kl,
                       optimal_transform, tune)
from .calibration import CalibrationTable, calibrate
from .ctrl import CTRLOptions, CTRLResult, CTRLStepSummary, ctrl_step
from .distillation import TiltWeights, tilt_weights
from .evaluation import BootstrapInterval, WinRate, bootstrap, win_rate, win_rates
from .threads import set_thread_count, thread_count, threads
from .transforms import Procedure, Transform

__version__ = "0.2.0"

# The package and its library come from one release (VERSION at the repository's root): a library of another
# release can take other options or compute other results under the same signatures, so refuse the pair, naming both.
if _library_version != __version__:
    raise ImportError(
        f"infalign {__version__} found libInfAlignC {_library_version} at {library_path}: the package and its "
        "library must be the same release; reinstall the wheel, or rebuild with `make python` (or point "
        "INFALIGN_LIBRARY at a library of this release)"
    )

__all__ = [
    "ABI_VERSION", "ArgumentError", "BootstrapInterval", "CTRLOptions", "CTRLResult", "CTRLStepSummary",
    "CalibratedPoint", "CalibrationTable", "EmptyReferencesError", "InfAlignError", "InvalidParameterError",
    "MathError", "NonFiniteError", "OptimalTransformResult", "ParseError", "Procedure", "ShapeError", "TiltWeights",
    "Transform", "TunedTransform", "WinRate", "analyze", "beta_for_kl", "bootstrap", "calibrate", "ctrl_step",
    "library_path", "optimal_transform", "set_thread_count", "thread_count", "threads", "tilt_weights", "tune",
    "win_rate", "win_rates",
]
