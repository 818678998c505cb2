"""Exceptions raised for the C ABI's status codes; each carries the library's own message."""

from __future__ import annotations

from typing import NoReturn


class InfAlignError(Exception):
    """Base of every error raised by the library. ``status`` is the C ABI status code."""

    status = 0

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParseError(InfAlignError, ValueError):
    """Text that is not a transform, procedure, option or method (``INFALIGN_ERROR_PARSE``)."""

    status = 1


class InvalidParameterError(InfAlignError, ValueError):
    """A parameter outside its domain; the message names it (``INFALIGN_ERROR_INVALID_PARAMETER``)."""

    status = 2


class MathError(InfAlignError, ArithmeticError):
    """A failure of the numerical core, such as no convergence (``INFALIGN_ERROR_MATH``)."""

    status = 3


class NonFiniteError(InfAlignError, ValueError):
    """A NaN or ±inf input; the message names field, prompt and index (``INFALIGN_ERROR_NON_FINITE``)."""

    status = 4


class EmptyReferencesError(InfAlignError, ValueError):
    """A prompt without (enough) reference rewards (``INFALIGN_ERROR_EMPTY_REFERENCES``)."""

    status = 5


class ShapeError(InfAlignError, ValueError):
    """Counts or offsets that do not describe the data (``INFALIGN_ERROR_SHAPE``)."""

    status = 6


class ArgumentError(InfAlignError, ValueError):
    """Misuse at the boundary: NULL, negative length, wrong handle kind (``INFALIGN_ERROR_ARGUMENT``)."""

    status = 7


_BY_STATUS = {cls.status: cls for cls in (ParseError, InvalidParameterError, MathError, NonFiniteError,
                                           EmptyReferencesError, ShapeError, ArgumentError)}


def raise_for_status(status: int, message: str) -> NoReturn:
    raise _BY_STATUS.get(status, InfAlignError)(message)
