"""One exception family for mopkit.

Every error a consultant can hit carries what went wrong, where (file, column,
a few offending rows) and what to do about it, so the message alone is enough
to fix the input.  Nothing here prints; the details live in the exception.
"""
from __future__ import annotations

from typing import Any, Sequence


class MopkitError(Exception):
    """Base class of every error mopkit raises on purpose.

    Parameters
    ----------
    message : what went wrong, in one sentence.
    file : the input file concerned, if any.
    column : the column concerned, if any.
    examples : a few offending rows or values (shown at most five).
    fix : what the user should do.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Any = None,
        column: str | None = None,
        examples: Sequence[Any] | str | None = None,
        fix: str | None = None,
    ):
        self.message = message
        self.file = None if file is None else str(file)
        self.column = column
        self.examples = examples
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.file:
            parts.append(f"  file:   {self.file}")
        if self.column:
            parts.append(f"  column: {self.column}")
        if self.examples is not None and len(self.examples):
            if isinstance(self.examples, str):
                shown = self.examples
            else:
                shown = "\n".join(f"          {e}" for e in list(self.examples)[:5]).lstrip()
            parts.append(f"  rows:   {shown}")
        if self.fix:
            parts.append(f"  fix:    {self.fix}")
        return "\n".join(parts)


class ConfigError(MopkitError):
    """The client config is missing, malformed or names something that does not exist."""


class UnknownNameError(ConfigError):
    """A method, model or preset was asked for by a name that is not registered.

    Raised by :func:`mopkit.registry.lookup` in every package, so an unknown model name is
    the same error whether it names an attribution model, a forecaster or a CLV model; the
    message lists the valid names.
    """


class DataError(MopkitError):
    """An input table cannot be read or fails validation."""


class InsufficientDataError(MopkitError):
    """There is too little data for an analysis; the analysis is skipped, others go on."""


class ModelError(MopkitError):
    """A model failed to fit or was used before fitting."""


class NotFittedError(ModelError):
    """A fitted-only method was called on a model that has not been fitted."""


class FontError(MopkitError):
    """No font that can draw Chinese is installed."""


class RunError(MopkitError):
    """A run could not be prepared or one of its notebooks failed."""


__all__ = [
    "MopkitError",
    "ConfigError",
    "UnknownNameError",
    "DataError",
    "InsufficientDataError",
    "ModelError",
    "NotFittedError",
    "FontError",
    "RunError",
]
