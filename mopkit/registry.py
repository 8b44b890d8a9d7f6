"""Methods chosen by name: one look-up, one error, for every package.

    from mopkit.registry import lookup
    fn = lookup(MODELS, name, what="attribution model")

An unknown name raises :class:`mopkit.errors.UnknownNameError` listing the valid names.
"""
from __future__ import annotations

from typing import Mapping, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


def lookup(registry: Mapping[str, T], name: str, *, what: str) -> T:
    """``registry[name]``, or :class:`UnknownNameError` naming ``what`` and the valid names."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"unknown {what} {name!r}", fix=f"use one of {sorted(registry)}") from None
