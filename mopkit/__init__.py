"""mopkit: marketing analytics and consulting kit for e-commerce merchants.

Packages are imported on use (``from mopkit import clv``); importing ``mopkit`` itself does no
work and pulls in no heavy dependency.
"""
from .errors import (
    ConfigError,
    DataError,
    FontError,
    InsufficientDataError,
    ModelError,
    MopkitError,
    NotFittedError,
    RunError,
    UnknownNameError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "FontError",
    "InsufficientDataError",
    "ModelError",
    "MopkitError",
    "NotFittedError",
    "RunError",
    "UnknownNameError",
    "__version__",
]
