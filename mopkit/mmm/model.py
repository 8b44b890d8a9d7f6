"""The fitted marketing-mix model: baseline + per-channel adstock and Hill saturation.

``y_t = exp(B_t gamma) + sum_c beta_c * hill(adstock(x_c, theta_c)_t, K_c, S_c) + e_t`` with
``beta_c >= 0`` (Jin et al. 2017, see :mod:`mopkit.mmm.transforms`). The baseline is
multiplicative (trend, weekday, yearly Fourier terms and festival effects scale with the size
of the shop, :mod:`mopkit.mmm.baseline`); media effects add to it in the outcome's units. Fitted by bounded
non-linear least squares (``scipy.optimize.least_squares``, trust-region reflective) from a few
seeded starts, with weak Gaussian priors on ``theta``, ``log K`` and ``S`` (:data:`PRIOR_MEAN`)
so flat directions of the likelihood stay put. Intervals come from a seeded
moving-block bootstrap of the residuals (Künsch 1989, Annals of Statistics 17(3)), each
replicate refitted from the point estimate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from threadpoolctl import threadpool_limits

from ..errors import InsufficientDataError, NotFittedError
from ..registry import lookup
from .baseline import baseline_design
from .data import check_frame
from .identify import identification_problems
from .transforms import geometric_adstock, half_life, hill, hill_derivative, saturation_point


@dataclass(frozen=True)
class Curves:
    """Response curves in the data's units: spend per day -> outcome per day, one row per draw.

    ``theta, K, S, beta`` are ``[D, C]`` arrays (row 0 is the point estimate when built by
    :meth:`MarketingMixModel.curves`).
    """

    channels: tuple
    theta: np.ndarray
    K: np.ndarray
    S: np.ndarray
    beta: np.ndarray

    def response(self, spend) -> np.ndarray:
        """Steady-state outcome per day for daily ``spend`` ``[C]`` (or ``[N, C]``): ``[D]`` (or ``[D, N]``)."""
        s = np.asarray(spend, dtype=float)
        if s.ndim == 1:
            return (self.beta * hill(s[None, :], self.K, self.S)).sum(axis=1)
        return np.stack([(self.beta[d] * hill(s, self.K[d], self.S[d])).sum(axis=1) for d in range(len(self.beta))])

    def channel_response(self, c: int, spend) -> np.ndarray:
        """``[D, N]`` outcome per day of channel ``c`` at each daily spend in ``spend``."""
        s = np.asarray(spend, dtype=float)[None, :]
        return self.beta[:, c, None] * hill(s, self.K[:, c, None], self.S[:, c, None])

    def marginal(self, spend) -> np.ndarray:
        """``[D, C]`` return of the next unit of daily spend per channel."""
        return self.beta * hill_derivative(np.asarray(spend, dtype=float)[None, :], self.K, self.S)

    def point(self) -> "Curves":
        return Curves(self.channels, self.theta[:1], self.K[:1], self.S[:1], self.beta[:1])


#: Weak priors (penalties) of the curve parameters: mean and standard deviation. The residuals
#: are divided by the noise level, so the penalty is a Gaussian prior and the fit its MAP estimate:
#: it decides only where the data are silent (as PyMC-Marketing's default priors do).
PRIOR_MEAN = {"theta": 0.3, "log_k": 0.0, "S": 1.5}
PRIOR_SD = {"theta": 0.25, "log_k": 1.0, "S": 0.75}


#: How media effects combine with the baseline.
MEDIA = {"additive": "baseline + sum_c beta_c h_c", "multiplicative": "baseline * (1 + sum_c beta_c h_c)"}


class MarketingMixModel:
    """Adstock + Hill marketing-mix model (scikit-learn style: ``fit`` returns self).

    Parameters
    ----------
    theta_max : upper bound of the daily carry-over rate.
    k_bounds : bounds of K as multiples of the channel's mean daily spend.
    s_bounds : bounds of the Hill shape S.
    regularisation : weight of the Gaussian priors :data:`PRIOR_MEAN` / :data:`PRIOR_SD` on
        ``theta``, ``log(K / mean spend)`` and ``S`` (1: as stated; 0: none).
    holdout_days : the tail held out to measure fit quality (R², MAPE) before the final fit.
    n_boot, block_days : bootstrap replicates and block length (days).
    n_starts : optimiser starts (the first is fixed, the rest seeded random).
    seed : randomness of starts and bootstrap.
    check : refuse to fit when :func:`identification_problems` finds any.
    media : ``additive`` (``baseline + sum beta h``, as Robyn) or ``multiplicative``
        (``baseline * (1 + sum beta h)``: ads work in proportion to the day's baseline — weekday,
        festivals, growth); see :data:`MEDIA`.
    level_days : multiplicative media: the response curves are stated at the mean baseline of
        the last this many days (a year: a season-neutral level).
    """

    def __init__(self, *, theta_max: float = 0.9, k_bounds=(0.1, 10.0), s_bounds=(0.5, 3.5),
                 regularisation: float = 1.0, yearly_order: int = 3, holdout_days: int = 56,
                 n_boot: int = 40, block_days: int = 14, n_starts: int = 4, seed: int = 0,
                 promotions=None, check: bool = True, media: str = "additive", level_days: int = 365):
        self.theta_max = theta_max
        self.k_bounds = k_bounds
        self.s_bounds = s_bounds
        self.regularisation = regularisation
        self.yearly_order = yearly_order
        self.holdout_days = holdout_days
        self.n_boot = n_boot
        self.block_days = block_days
        self.n_starts = n_starts
        self.seed = seed
        self.promotions = promotions
        self.check = check
        self.media = media
        self.level_days = level_days

    # ---- core least squares -----------------------------------------------------------------
    def _unpack(self, z, C, p):
        return z[:C], z[C:2 * C], z[2 * C:3 * C], z[3 * C:3 * C + p], z[3 * C + p:]

    def _H(self, xn, theta, logk, S):
        H = np.empty_like(xn)
        for c in range(xn.shape[1]):
            H[:, c] = hill(geometric_adstock(xn[:, c], theta[c]), np.exp(logk[c]), S[c])
        return H

    def _solve(self, B, xn, yn, z0, sigma, max_nfev=None):
        T, C = xn.shape
        p = B.shape[1]
        w = np.sqrt(self.regularisation) / np.array([PRIOR_SD["theta"], PRIOR_SD["log_k"], PRIOR_SD["S"]])
        eps = 1e-6

        def resid(z):
            th, lk, S, g, b = self._unpack(z, C, p)
            r = yn - self._predict(B, self._H(xn, th, lk, S), g, b)[0]
            return np.concatenate([r / sigma, w[1] * (lk - PRIOR_MEAN["log_k"]), w[2] * (S - PRIOR_MEAN["S"]),
                                   w[0] * (th - PRIOR_MEAN["theta"])])

        def jac(z):
            th, lk, S, g, b = self._unpack(z, C, p)
            J = np.zeros((T + 3 * C, z.size))
            fit, base = self._predict(B, self._H(xn, th, lk, S), g, b)
            mm = base if self.media == "multiplicative" else np.ones(T)  # d fitted / d media term
            for c in range(C):
                a = geometric_adstock(xn[:, c], th[c])
                K = np.exp(lk[c])
                h0 = hill(a, K, S[c])
                th2 = min(th[c] + eps, self.theta_max + 0.05)
                dth = (hill(geometric_adstock(xn[:, c], th2), K, S[c]) - h0) / (th2 - th[c])
                dk = (hill(a, np.exp(lk[c] + eps), S[c]) - h0) / eps
                ds = (hill(a, K, S[c] + eps) - h0) / eps
                J[:T, c], J[:T, C + c], J[:T, 2 * C + c] = -b[c] * mm * dth, -b[c] * mm * dk, -b[c] * mm * ds
                J[:T, 3 * C + p + c] = -mm * h0
                J[T + c, C + c] = w[1]
                J[T + C + c, 2 * C + c] = w[2]
                J[T + 2 * C + c, c] = w[0]
            J[:T, 3 * C:3 * C + p] = -B * (fit if self.media == "multiplicative" else base)[:, None]
            J[:T] /= sigma
            return J

        lo = np.concatenate([np.zeros(C), np.full(C, np.log(self.k_bounds[0])), np.full(C, self.s_bounds[0]),
                             np.full(p, -np.inf), np.zeros(C)])
        hi = np.concatenate([np.full(C, self.theta_max), np.full(C, np.log(self.k_bounds[1])),
                             np.full(C, self.s_bounds[1]), np.full(p, np.inf), np.full(C, np.inf)])
        z0 = np.clip(z0, lo + 1e-9, np.where(np.isfinite(hi), hi - 1e-9, hi))
        return least_squares(resid, z0, jac=jac, bounds=(lo, hi), method="trf", x_scale="jac",
                             max_nfev=max_nfev)

    def _predict(self, B, H, g, b):
        """Fitted outcome and baseline (both scaled to the outcome's mean)."""
        base = np.exp(np.clip(B @ g, -30, 30))
        media = H @ b
        return (base * (1.0 + media) if self.media == "multiplicative" else base + media), base

    def _level(self, B, g) -> float:
        """Outcome units of one unit of ``beta``: 1 (additive) or the mean baseline of the last
        ``level_days`` days (multiplicative: media effects scale with the baseline)."""
        if self.media != "multiplicative":
            return 1.0
        return float(np.exp(np.clip(B[-self.level_days:] @ g, -30, 30)).mean())

    def _start(self, B, xn, yn, th, lk, S):
        H = self._H(xn, th, lk, S)
        A = np.hstack([B, H])
        coef, *_ = np.linalg.lstsq(A, yn, rcond=None)  # additive start, then a log baseline of the same level
        p = B.shape[1]
        b = np.clip(coef[p:], 1e-3, None)
        rest = np.maximum(yn - H @ b, 0.05 * yn.mean())
        g, *_ = np.linalg.lstsq(B, np.log(rest), rcond=None)
        if self.media == "multiplicative":
            b = b / rest.mean()
        return np.concatenate([th, lk, S, g, b])

    def _fit_arrays(self, B, xn, yn, rng):
        C = xn.shape[1]
        starts = [(np.full(C, 0.3), np.zeros(C), np.full(C, 1.5))]
        for _ in range(max(self.n_starts - 1, 0)):
            starts.append((rng.uniform(0, 0.8 * self.theta_max, C), rng.uniform(-1, 1, C), rng.uniform(0.8, 2.5, C)))
        g, *_ = np.linalg.lstsq(B, np.log(np.maximum(yn, 0.05)), rcond=None)
        sigma = float(np.std(yn - np.exp(np.clip(B @ g, -30, 30))))  # baseline-only residuals: an upper bound of the noise
        best = None
        for th, lk, S in starts:
            sol = self._solve(B, xn, yn, self._start(B, xn, yn, th, lk, S), sigma)
            if best is None or sol.cost < best.cost:
                best = sol
        T = len(yn)
        sigma = float(np.sqrt(np.sum((best.fun[:T] * sigma) ** 2) / max(T - B.shape[1] - 4 * xn.shape[1], 1)))
        best = self._solve(B, xn, yn, best.x, sigma)  # again with the noise of the media model
        best.sigma = sigma
        return best

    # ---- public API ---------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, channels=None) -> "MarketingMixModel":
        """Fit on a daily frame ``date, y, <channel>...`` (see :func:`mopkit.mmm.mmm_frame`).

        Raises InsufficientDataError when the data cannot identify the curves (the reasons
        are in the message; :func:`identification_problems` gives them in words).
        """
        with threadpool_limits(limits=1):  # small matrices: BLAS threads only contend (30x slower)
            return self._fit(frame, channels)

    def _fit(self, frame, channels):
        lookup(MEDIA, self.media, what="media form")
        channels = list(channels if channels is not None else frame.attrs.get("channels", [c for c in frame.columns if c not in ("date", "y")]))
        x = check_frame(frame, channels)
        if self.check:
            problems = identification_problems(frame, channels, lang="en")
            if problems:
                raise InsufficientDataError("the data cannot identify the response curves: " + " ".join(p["text"] for p in problems),
                                            fix="collect more weeks of data, or vary each channel's spend (pulses, pauses) independently")
        y = frame["y"].to_numpy(dtype=float)
        dates = pd.DatetimeIndex(frame["date"])
        design = baseline_design(dates, yearly_order=self.yearly_order, promotions=self.promotions)
        B = design.to_numpy()
        ym, xm = float(np.mean(y)), x.mean(axis=0)
        xm = np.where(xm > 0, xm, 1.0)
        yn, xn = y / ym, x / xm
        rng = np.random.default_rng(self.seed)
        T, C = xn.shape
        p = B.shape[1]
        h = int(self.holdout_days) if 0 < self.holdout_days < T // 3 else 0
        self.holdout_ = {"days": h}
        if h:
            sol = self._fit_arrays(B[:-h], xn[:-h], yn[:-h], rng)
            th, lk, S, g, b = self._unpack(sol.x, C, p)
            pred = self._predict(B, self._H(xn, th, lk, S), g, b)[0][-h:] * ym
            obs = y[-h:]
            self.holdout_.update(r2=float(1 - np.sum((obs - pred) ** 2) / np.sum((obs - obs.mean()) ** 2)),
                                 mape=float(np.mean(np.abs(obs - pred) / np.maximum(np.abs(obs), 1e-9))),
                                 start=str(dates[-h].date()), end=str(dates[-1].date()))
        sol = self._fit_arrays(B, xn, yn, rng)
        z = sol.x
        th, lk, S, g, b = self._unpack(z, C, p)
        H = self._H(xn, th, lk, S)
        fitted, base = self._predict(B, H, g, b)
        resid = yn - fitted
        self.r2_ = float(1 - np.sum(resid ** 2) / np.sum((yn - yn.mean()) ** 2))
        self.mape_ = float(np.mean(np.abs(resid) / np.maximum(np.abs(yn), 1e-9)))
        # bootstrap: resample residual blocks, refit from the estimate
        draws = [z]
        L = max(int(self.block_days), 1)
        for _ in range(int(self.n_boot)):
            starts = rng.integers(0, T - L + 1, size=int(np.ceil(T / L)))
            idx = (starts[:, None] + np.arange(L)[None, :]).ravel()[:T]
            ys = fitted + resid[idx]
            draws.append(self._solve(B, xn, ys, z, sol.sigma, max_nfev=60).x)
        Z = np.array(draws)
        self.channels_ = tuple(channels)
        self.design_columns_ = tuple(design.columns)
        self.calendar_notes_ = design.attrs.get("calendar_notes", [])
        self.baseline_coef_ = pd.Series(g, index=design.columns)  # log scale of y / mean(y)
        self.scale_ = {"y_mean": ym, "spend_mean": dict(zip(channels, map(float, xm)))}
        self.theta_, self.S_ = th, S
        self.K_ = np.exp(lk) * xm
        level = np.array([self._level(B, Z[i, 3 * C:3 * C + p]) for i in range(len(Z))])  # [D]
        if self.media == "multiplicative":  # [D, T] day weight of beta: the baseline relative to its recent level
            self._unit = np.exp(np.clip(Z[:, 3 * C:3 * C + p] @ B.T, -30, 30)) / level[:, None]
        else:
            self._unit = np.ones((len(Z), T))
        self.beta_ = b * ym * level[0]
        self.draws_ = Curves(self.channels_, Z[:, :C], np.exp(Z[:, C:2 * C]) * xm, Z[:, 2 * C:3 * C],
                             Z[:, 3 * C + p:] * ym * level[:, None])
        self.dates_ = dates
        self.spend_ = x
        self.y_ = y
        self.fitted_ = fitted * ym
        self.baseline_ = base * ym
        self.contributions_ = pd.DataFrame(H * b * (base if self.media == "multiplicative" else np.ones(T))[:, None] * ym,
                                           index=dates, columns=channels)
        return self

    def _check_fitted(self):
        if not hasattr(self, "theta_"):
            raise NotFittedError("the marketing-mix model is not fitted", fix="call fit(frame) first")

    def curves(self) -> Curves:
        """Point estimate (row 0) and bootstrap draws of every channel's response curve."""
        self._check_fitted()
        return self.draws_

    def contribution_draws(self) -> np.ndarray:
        """``[D, C]`` total contribution of each channel over the data for every draw."""
        self._check_fitted()
        d = self.draws_
        out = np.empty_like(d.beta)
        for i in range(len(d.beta)):
            for c in range(len(self.channels_)):
                h = hill(geometric_adstock(self.spend_[:, c], d.theta[i, c]), d.K[i, c], d.S[i, c])
                out[i, c] = d.beta[i, c] * (self._unit[i] * h).sum()
        return out

    def channel_table(self, current_spend, *, level: float = 0.9) -> pd.DataFrame:
        """Per channel: carry-over, saturation, ROAS and contribution share with intervals.

        ``current_spend``: daily spend per channel (Series or mapping) at which the marginal
        ROAS (the return of the next unit) is read. Intervals are bootstrap percentiles at ``level``.
        """
        self._check_fitted()
        d = self.draws_
        q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
        cur = np.array([float(pd.Series(current_spend).get(c, 0.0)) for c in self.channels_])
        contrib = self.contribution_draws()
        spend_tot = self.spend_.sum(axis=0)
        roas = contrib / np.where(spend_tot > 0, spend_tot, np.nan)
        share = contrib / contrib.sum(axis=1, keepdims=True)
        marg = d.marginal(cur)
        rows = []
        for c, ch in enumerate(self.channels_):
            def iv(a):
                lo, hi = np.nanpercentile(a[:, c], q)
                return float(lo), float(hi)
            hl = np.array([half_life(t) for t in d.theta[:, c]])
            row = {"channel": ch, "theta": d.theta[0, c], "half_life_days": hl[0], "K": d.K[0, c], "S": d.S[0, c],
                   "beta": d.beta[0, c], "current_daily_spend": cur[c], "current_roas": roas[0, c],
                   "marginal_roas": marg[0, c], "saturation_point": saturation_point(d.K[0, c], d.S[0, c]),
                   "contribution": contrib[0, c], "contribution_share": share[0, c]}
            for name, arr in (("theta", d.theta), ("half_life_days", hl[:, None].repeat(len(self.channels_), 1)),
                              ("K", d.K), ("current_roas", roas), ("marginal_roas", marg), ("contribution_share", share)):
                row[f"{name}_low"], row[f"{name}_high"] = iv(arr)
            rows.append(row)
        return pd.DataFrame(rows)

    def response_curves(self, *, n_points: int = 41, max_multiple: float = 3.0, level: float = 0.9) -> pd.DataFrame:
        """Long table ``channel, spend, response, low, high``: steady daily spend -> outcome per day,
        from 0 to ``max_multiple`` times the largest of the mean spend and the saturation point."""
        self._check_fitted()
        d = self.draws_
        q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
        out = []
        for c, ch in enumerate(self.channels_):
            sat = min(saturation_point(d.K[0, c], d.S[0, c]), 10 * self.spend_[:, c].max())
            top = max(max_multiple * self.spend_[:, c].mean(), sat)
            grid = np.linspace(0, top, n_points)
            r = d.channel_response(c, grid)
            lo, hi = np.percentile(r, q, axis=0)
            out.append(pd.DataFrame({"channel": ch, "spend": grid, "response": r[0], "low": lo, "high": hi}))
        return pd.concat(out, ignore_index=True)

    def contributions_by(self, freq: str = "MS") -> pd.DataFrame:
        """Long table ``period, component, value``: baseline and each channel's contribution, summed per ``freq``."""
        self._check_fitted()
        df = self.contributions_.copy()
        df.insert(0, "baseline", self.baseline_)
        g = df.resample(freq).sum()
        g.index.name = "period"
        return g.reset_index().melt(id_vars="period", var_name="component", value_name="value")

    def to_json(self) -> dict:
        """JSON-able description: settings, fit quality, parameters and baseline coefficients."""
        self._check_fitted()
        return {
            "model": "adstock (geometric, normalised) + Hill saturation, scipy least_squares (trf), block bootstrap",
            "settings": {"media": self.media, "level_days": self.level_days, "theta_max": self.theta_max, "k_bounds_x_mean_spend": list(self.k_bounds),
                         "s_bounds": list(self.s_bounds), "regularisation": self.regularisation,
                         "yearly_order": self.yearly_order, "n_boot": self.n_boot, "block_days": self.block_days,
                         "n_starts": self.n_starts, "seed": self.seed},
            "window": {"start": str(self.dates_[0].date()), "end": str(self.dates_[-1].date()), "days": len(self.dates_)},
            "fit": {"r2": self.r2_, "mape": self.mape_, "holdout": self.holdout_},
            "channels": {ch: {"theta": float(self.theta_[c]), "K": float(self.K_[c]), "S": float(self.S_[c]),
                              "beta": float(self.beta_[c])} for c, ch in enumerate(self.channels_)},
            "baseline": {k: float(v) for k, v in self.baseline_coef_.items()},
            "calendar_notes": list(self.calendar_notes_),
        }
