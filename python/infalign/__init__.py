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
from .analysis import (CalibratedPoint, OptimalTransformResult, TunedTransform, analyze, beta_for_kl,
                       optimal_transform, tune)
from .calibration import CalibrationTable, calibrate
from .ctrl import CTRLOptions, CTRLResult, CTRLStepSummary, ctrl_step
from .distillation import TiltWeights, tilt_weights
from .evaluation import BootstrapInterval, WinRate, bootstrap, win_rate, win_rates
from .threads import set_thread_count, thread_count, threads
from .transforms import Procedure, Transform

__version__ = "0.1.0"

__all__ = [
    "ABI_VERSION", "ArgumentError", "BootstrapInterval", "CTRLOptions", "CTRLResult", "CTRLStepSummary",
    "CalibratedPoint", "CalibrationTable", "EmptyReferencesError", "InfAlignError", "InvalidParameterError",
    "MathError", "NonFiniteError", "OptimalTransformResult", "ParseError", "Procedure", "ShapeError", "TiltWeights",
    "Transform", "TunedTransform", "WinRate", "analyze", "beta_for_kl", "bootstrap", "calibrate", "ctrl_step",
    "library_path", "optimal_transform", "set_thread_count", "thread_count", "threads", "tilt_weights", "tune",
    "win_rate", "win_rates",
]
