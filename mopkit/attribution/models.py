"""Attribution models chosen by name, and running several side by side."""
from __future__ import annotations

from typing import Callable, Iterable

import pandas as pd

from ..errors import ConfigError, ModelError
from ..registry import lookup
from . import heuristic
from .journeys import Journeys
from .markov import markov
from .shapley import shapley

#: name -> function(journeys, **options) -> DataFrame[channel, conversions, value]
MODELS: dict[str, Callable[..., pd.DataFrame]] = {
    "first_touch": heuristic.first_touch,
    "last_touch": heuristic.last_touch,
    "last_non_direct": heuristic.last_non_direct,
    "linear": heuristic.linear,
    "time_decay": heuristic.time_decay,
    "position_based": heuristic.position_based,
    "markov": markov,
    "shapley": shapley,
}
DEFAULT_MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "time_decay",
                  "position_based", "markov", "shapley")


def get_model(name: str) -> Callable[..., pd.DataFrame]:
    """The model function registered as ``name``.

    Raises
    ------
    UnknownNameError : unknown name; the message lists the valid names.
    """
    return lookup(MODELS, str(name), what="attribution model")


def attribute(
    journeys: Journeys,
    models: Iterable[str] | str = DEFAULT_MODELS,
    *,
    markov_order: int = 1,
    half_life_days: float = 7.0,
    position_weights: tuple[float, float] = (0.4, 0.4),
    shapley_value_function: str = "conversions",
    max_shapley_channels: int = 15,
    skip_refused: bool = False,
) -> pd.DataFrame:
    """Run several models on the same journeys.

    Returns
    -------
    DataFrame ``model, channel, conversions, value, conversion_share, value_share``: one row per
    model and channel (every channel appears under every model, 0 if it gets no credit).

    With ``skip_refused`` a model that refuses the data (``ModelError``, e.g. Shapley over too
    many channels) is left out and its reason kept in ``result.attrs["skipped"]`` (name -> message).

    Raises
    ------
    ConfigError : unknown model name or empty list. Model-specific errors pass through.
    """
    if isinstance(models, str):  # "linear, markov" or '["linear", "markov"]' (e.g. from papermill -p)
        models = [m.strip(" '\"") for m in models.strip("[] ").split(",") if m.strip(" '\"")]
    names = [str(m) for m in (models or [])]
    if not names:
        raise ConfigError("no attribution model chosen", fix=f"choose some of {sorted(MODELS)}")
    fns = {n: get_model(n) for n in names}
    options = {
        "markov": {"order": markov_order},
        "time_decay": {"half_life_days": half_life_days},
        "position_based": {"first": position_weights[0], "last": position_weights[1]},
        "shapley": {"value_function": shapley_value_function, "max_channels": max_shapley_channels},
    }
    channels = journeys.channels
    out, skipped = [], {}
    for name, fn in fns.items():
        try:
            res = fn(journeys, **options.get(name, {}))
        except ModelError as exc:
            if not skip_refused:
                raise
            skipped[name] = exc.message + (f" ({exc.fix})" if exc.fix else "")
            continue
        res = res.set_index("channel").reindex(channels, fill_value=0.0).reset_index()
        res.insert(0, "model", name)
        out.append(res)
    if not out:
        raise ModelError("every chosen attribution model refused the data", examples=list(skipped.values()),
                         fix="choose other models, e.g. markov or linear")
    df = pd.concat(out, ignore_index=True)
    for col, share in (("conversions", "conversion_share"), ("value", "value_share")):
        tot = df.groupby("model")[col].transform("sum")
        df[share] = df[col] / tot.where(tot != 0)
    df.attrs["skipped"] = skipped
    return df
