"""Vectorised log-likelihoods (with analytic gradients) for the buy-till-you-die and spend models.

lifetimes evaluates these with autograd on every customer row and then builds an autograd
Hessian; here each model is a numpy function of the *unique* histories and their weights, and
terms that depend on fewer inputs are computed once per distinct value (``gammaln(r + x)`` per
distinct frequency, the Pareto/NBD hypergeometric terms per distinct ``(x, t_x)`` and ``(x, T)``).
The objectives are lifetimes' own, term for term (same normalisation and penalty), so the same
optimum comes out; :mod:`mopkit.clv.models` keeps lifetimes as the reference the tests compare
against (CDNOW, 3 decimals).

Formulas
--------
- BG/NBD: Fader, Hardie & Lee (2005), Marketing Science 24(2), eq. (6); note 004 section 7.
- MBG/NBD: Batislam, Denizel & Filiztekin (2007), IJRM 24(3); lifetimes' form.
- Pareto/NBD: Fader & Hardie (2005) note 009, eqs. (18)-(20).
- Gamma-Gamma: Fader, Hardie & Lee (2005b), JMR 42(4); note 025 eq. (1a).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1


class Histories:
    """Unique ``(x, t_x, T)`` rows with weights, plus indexes of the distinct sub-keys.

    ``x`` frequency, ``tx`` recency, ``T`` age, ``w`` weights (customers per row); ``ux``/``ix``:
    distinct frequencies and each row's index into them; ``xr``/``ir`` and ``xT``/``iT``: distinct
    ``(x, t_x)`` and ``(x, T)`` pairs (Pareto/NBD's hypergeometric terms depend only on those).
    """

    def __init__(self, x, tx, T, w):
        self.x = np.asarray(x, dtype=float)
        self.tx = np.asarray(tx, dtype=float)
        self.T = np.asarray(T, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.ix, self.ux = pd.factorize(self.x)
        self.ux = np.asarray(self.ux, dtype=float)
        self.ir, self.xr = _pairs(self.ix, self.ux, self.tx)
        self.iT, self.xT = _pairs(self.ix, self.ux, self.T)

    def scaled(self, c: float) -> "Histories":
        """The same histories with every time (t_x, T) multiplied by ``c``."""
        out = Histories.__new__(Histories)
        out.__dict__.update(self.__dict__, tx=self.tx * c, T=self.T * c,
                            xr=(self.xr[0], self.xr[1] * c), xT=(self.xT[0], self.xT[1] * c))
        return out


def _pairs(ix, ux, y):
    iy, uy = pd.factorize(y)
    key = ix.astype(np.int64) * len(uy) + iy
    inv, ukey = pd.factorize(key)
    ukey = np.asarray(ukey)
    return inv, (ux[ukey // len(uy)], np.asarray(uy, dtype=float)[ukey % len(uy)])


# ------------------------------------------------------------------------------------------------
# Objectives: f(log_params, h, penalizer) -> (value, gradient w.r.t. log params), lifetimes' scale.
# ------------------------------------------------------------------------------------------------
def bgnbd_nll(logp, h: Histories, penalizer: float = 0.0):
    """BG/NBD negative log-likelihood / total weight + penalizer * sum(params^2) (lifetimes)."""
    r, alpha, a, b = p = np.exp(logp)
    x, tx, T, w = h.x, h.tx, h.T, h.w
    ux = h.ux
    rep = x > 0
    g1 = (gammaln(r + ux) - gammaln(r))[h.ix] + r * np.log(alpha)
    g2 = (gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux))[h.ix]
    lT = np.log(alpha + T)
    lt = np.log(alpha + tx)
    A3 = -(r + x) * lT
    A4 = np.where(rep, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * lt, -np.inf)
    m = np.maximum(A3, A4)
    L = m + np.log(np.exp(A3 - m) + np.exp(A4 - m))
    w3 = np.exp(A3 - L)
    w4 = 1.0 - w3
    ll = g1 + g2 + L
    W = w.sum()
    d_r = (digamma(r + ux) - digamma(r))[h.ix] + np.log(alpha) - w3 * lT - w4 * lt
    d_al = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx))
    d_a = (digamma(a + b) - digamma(a + b + ux))[h.ix] + w4 / a
    d_b = (digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux))[h.ix] - w4 / (b + np.maximum(x, 1) - 1)
    grad = -np.array([w @ d_r, w @ d_al, w @ d_a, w @ d_b]) * p / W
    return -(w @ ll) / W + penalizer * np.sum(p ** 2), grad + 2 * penalizer * p ** 2


def mbgnbd_nll(logp, h: Histories, penalizer: float = 0.0):
    """MBG/NBD negative log-likelihood / total weight + penalizer * sum(params^2) (lifetimes)."""
    r, alpha, a, b = p = np.exp(logp)
    x, tx, T, w = h.x, h.tx, h.T, h.w
    ux = h.ux
    g1 = (gammaln(r + ux) - gammaln(r))[h.ix] + r * np.log(alpha)
    g2 = (gammaln(a + b) + gammaln(b + ux + 1) - gammaln(b) - gammaln(a + b + ux + 1))[h.ix]
    lT = np.log(alpha + T)
    lt = np.log(alpha + tx)
    A4 = np.log(a) - np.log(b + x) + (r + x) * (lT - lt)
    s = 1.0 / (1.0 + np.exp(-A4))  # d logaddexp(A4, 0) / d A4
    ll = g1 + g2 - (r + x) * lT + np.logaddexp(A4, 0)
    W = w.sum()
    d_r = (digamma(r + ux) - digamma(r))[h.ix] + np.log(alpha) - lT + s * (lT - lt)
    d_al = r / alpha - (r + x) / (alpha + T) + s * (r + x) * (1 / (alpha + T) - 1 / (alpha + tx))
    d_a = (digamma(a + b) - digamma(a + b + ux + 1))[h.ix] + s / a
    d_b = (digamma(a + b) + digamma(b + ux + 1) - digamma(b) - digamma(a + b + ux + 1))[h.ix] - s / (b + x)
    grad = -np.array([w @ d_r, w @ d_al, w @ d_a, w @ d_b]) * p / W
    return -(w @ ll) / W + penalizer * np.sum(p ** 2), grad + 2 * penalizer * p ** 2


def pareto_nbd_ll(params, h: Histories) -> np.ndarray:
    """Per-row Pareto/NBD log-likelihood (note 009 eqs. 18-20, as lifetimes writes them)."""
    r, alpha, s, beta = params
    lo, hi = min(alpha, beta), max(alpha, beta)
    d = hi - lo

    def log_f(pair):  # log 2F1(r+s+x, t; r+s+x+1; |a-b|/(max+y)) per distinct (x, y)
        px, py = pair
        rsf = r + s + px
        t = r + px if alpha < beta else s + 1.0
        with np.errstate(divide="ignore"):
            return np.log(hyp2f1(rsf, t, rsf + 1.0, d / (hi + py)))

    x, rec, T = h.x, h.tx, h.T
    rsf = r + s + x
    a1 = log_f(h.xr)[h.ir] + rsf * np.log(hi + T)
    a2 = log_f(h.xT)[h.iT] + rsf * np.log(hi + rec)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_a0 = a1 + np.log(-np.expm1(a2 - a1)) - rsf * (np.log(hi + rec) + np.log(hi + T))
    A1 = (gammaln(r + h.ux) - gammaln(r))[h.ix] + r * np.log(alpha) + s * np.log(beta)
    A2 = np.logaddexp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T), np.log(s) + log_a0 - np.log(rsf))
    return A1 + A2


def pareto_nbd_nll(logp, h: Histories, penalizer: float = 0.0, *, step: float = 1e-7):
    """Pareto/NBD negative log-likelihood / total weight + penalty, with a forward-difference
    gradient in log parameters (5 likelihood evaluations per gradient, against 9 for central
    differences; each evaluation is a hypergeometric function per distinct (x, t_x) and (x, T)).
    The step's bias, about step x curvature, is near 1e-7: well below the fit's tolerance.
    (lifetimes divides by the mean weight instead, which only rescales the objective: same
    maximum without penalty; per-customer scale like BG/NBD here.)"""
    wm = h.w.sum()

    def f(lp):
        p = np.exp(lp)
        return -(h.w @ pareto_nbd_ll(p, h)) / wm + penalizer * np.sum(p ** 2)

    v = f(logp)
    g = np.empty(len(logp))
    for i in range(len(logp)):
        e = np.zeros(len(logp))
        e[i] = step
        g[i] = (f(logp + e) - v) / step
    return v, g


class SpendRows:
    """Repeat customers' ``(x, m)`` rows for the Gamma-Gamma likelihood, with what does not depend
    on the parameters computed once: log m, log x, and each row's index into the distinct x (the
    gamma functions of p x are evaluated per distinct frequency, not per row)."""

    def __init__(self, x, m, w):
        self.x = np.asarray(x, dtype=float)
        self.m = np.asarray(m, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.ix, ux = pd.factorize(self.x)
        self.ux = np.asarray(ux, dtype=float)
        self.log_m = np.log(self.m)
        self.log_x = np.log(self.x)


def gamma_gamma_nll(logp, x, m=None, w=None, penalizer: float = 0.0):
    """Gamma-Gamma negative log-likelihood / total weight + penalty (lifetimes, note 025 eq. 1a).

    ``x`` is a :class:`SpendRows`, or frequencies with ``m`` (mean repeat values) and ``w``."""
    rows = x if isinstance(x, SpendRows) else SpendRows(x, m, w)
    p, q, v = par = np.exp(logp)
    ux, ix, x, w = rows.ux, rows.ix, rows.x, rows.w
    px = p * x
    lxm = np.log(x * rows.m + v)
    pux = p * ux
    per_x = gammaln(pux + q) - gammaln(pux)  # depends on the row only through x
    ll = per_x[ix] - gammaln(q) + q * np.log(v) + (px - 1) * rows.log_m + px * rows.log_x - (px + q) * lxm
    dpq_u = digamma(pux + q)
    d_p = x * ((dpq_u - digamma(pux))[ix] + rows.log_m + rows.log_x - lxm)
    d_q = dpq_u[ix] - digamma(q) + np.log(v) - lxm
    d_v = q / v - (px + q) / (x * rows.m + v)
    W = w.sum()
    grad = -np.array([w @ d_p, w @ d_q, w @ d_v]) * par / W
    return -(w @ ll) / W + penalizer * np.sum(par ** 2), grad + 2 * penalizer * par ** 2


OBJECTIVES = {"bgnbd": bgnbd_nll, "mbgnbd": mbgnbd_nll, "pareto_nbd": pareto_nbd_nll}


#: Pareto/NBD is fitted with log parameters kept in [-LOG_BOUND, LOG_BOUND] (in units where the
#: longest history is 1). Its maximum often lies on the edge (s -> 0: nobody drops out, as in a
#: client whose buyers all stay), where unbounded BFGS with a numerical gradient creeps towards
#: minus infinity until it stops with "precision loss"; a bound lets the fit end at the edge.
#: exp(-23) ~ 1e-10: any s, alpha or beta beyond it predicts the same to 1e-9.
LOG_BOUND = 23.0


def fit_transaction(model: str, h: Histories, *, penalizer: float = 0.0, tol: float | None = None, x0=None):
    """Maximise the likelihood of ``model`` on time-scaled histories; returns scipy's result.

    Starts at ``x0`` (log parameters, e.g. the same model fitted on the calibration period) or where lifetimes starts (log parameters 0.1 for BG/NBD-type models; parameters 1 for
    Pareto/NBD). BG/NBD and MBG/NBD: BFGS with the analytic gradient (lifetimes: BFGS + autograd).
    Pareto/NBD: L-BFGS-B within :data:`LOG_BOUND` with the central-difference gradient (lifetimes:
    Nelder-Mead). ``x`` of the result holds log parameters.
    """
    fun = OBJECTIVES[model]
    if x0 is None:
        x0 = np.zeros(4) if model == "pareto_nbd" else np.full(4, 0.1)
    default_tol = 1e-7 if model != "pareto_nbd" else 1e-6
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if model == "pareto_nbd":
            res = minimize(fun, x0, args=(h, penalizer), jac=True, method="L-BFGS-B",
                           bounds=[(-LOG_BOUND, LOG_BOUND)] * 4,
                           options={"maxiter": 2000, "ftol": 1e-12, "gtol": default_tol if tol is None else tol})
        else:
            res = minimize(fun, x0, args=(h, penalizer), jac=True, method="BFGS",
                           tol=default_tol if tol is None else tol, options={"maxiter": 2000})
    pg = _projected_gradient(res, model)
    if not res.success and res.status == 2 and np.all(np.isfinite(pg)) and np.max(np.abs(pg)) < 1e-4:
        # "precision loss" (BFGS) or "ABNORMAL" line search (L-BFGS-B) at a stationary point: the
        # numeric gradient's noise floor, not a failure
        res.success = True
        res.message = f"{res.message} (accepted: max |gradient| {np.max(np.abs(pg)):.1e})"
    return res


def _projected_gradient(res, model: str) -> np.ndarray:
    """The gradient with the components that push against an active bound zeroed (an optimum on
    the edge is stationary in the directions still free)."""
    g = np.array(res.jac, dtype=float)
    if model == "pareto_nbd":
        g[(res.x <= -LOG_BOUND + 1e-9) & (g > 0)] = 0.0
        g[(res.x >= LOG_BOUND - 1e-9) & (g < 0)] = 0.0
    return g


def fit_spend(x, m, w, *, penalizer: float = 0.0, tol: float | None = None):
    """Maximise the Gamma-Gamma likelihood (L-BFGS-B, q >= 1 as lifetimes' ``q_constraint``)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return minimize(gamma_gamma_nll, np.full(3, 0.1), args=(SpendRows(x, m, w), None, None, penalizer), jac=True, method="L-BFGS-B",
                        bounds=((None, None), (0, None), (None, None)), tol=1e-7 if tol is None else tol)


def unique_rows(*cols):
    """Distinct rows of equal-length 1-d arrays: ``(unique columns, weights, inverse)``.

    ``weights[k]`` counts the input rows equal to distinct row k and ``unique[j][inverse] ==
    cols[j]``. Hash-based (pandas factorize per column, then on the combined integer key), so it
    is linear in the number of rows.
    """
    key = np.zeros(len(cols[0]), dtype=np.int64)
    uniques = []
    for c in cols:
        code, u = pd.factorize(np.asarray(c))
        uniques.append(np.asarray(u))
        key = key * len(u) + code  # sizes stay far below 2**63 for histories (x, t_x, T)
    inv, ukey = pd.factorize(key)
    ukey = np.asarray(ukey)
    out = []
    for u in reversed(uniques):
        out.append(u[ukey % len(u)])
        ukey = ukey // len(u)
    return out[::-1], np.bincount(inv, minlength=len(out[0])).astype(float), inv


def pareto_nbd_predict(params, t, x, tx, T) -> tuple[np.ndarray, np.ndarray]:
    """Pareto/NBD ``(P(alive), E[purchases in (T, T + t]])`` per history, from the stable
    log-likelihood above (note 009 eqs. 22 and 41; lifetimes' own version overflows to NaN for
    heavy buyers, e.g. x > 300 with t_x = T).
    """
    r, alpha, s, beta = params
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    ll = pareto_nbd_ll(params, Histories(x, tx, T, np.ones_like(x)))
    alive = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - (r + x) * np.log(alpha + T) - s * np.log(beta + T)
    p_alive = np.exp(np.minimum(alive - ll, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1) if abs(s - 1) > 1e-12 else np.log((beta + T + t) / (beta + T))
    return p_alive, p_alive * (r + x) * (beta + T) / (alpha + T) * growth


def pareto_nbd_p_no_purchase(params, t, x, tx, T, *, nodes: int = 48) -> np.ndarray:
    """Pareto/NBD probability of no purchase in ``(T, T + t]`` per history.

    P0 = 1 - P(alive) * E[lambda / (lambda + mu) * (1 - exp(-(lambda + mu) t))], the expectation over
    the posterior of an active customer's rates, lambda ~ Gamma(r + x, alpha + T) and
    mu ~ Gamma(s, beta + T), independent (Fader, Hardie & Lee 2005 note "Deriving the conditional
    PMF of the Pareto/NBD model"; here by generalised Gauss-Laguerre quadrature in both rates,
    which stays finite for the heavy buyers where the closed form's hypergeometric terms overflow).
    """
    from scipy.special import roots_genlaguerre

    r, alpha, s, beta = params
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    p_alive, _ = pareto_nbd_predict(params, 0.0, x, tx, T)
    um, wm = roots_genlaguerre(nodes, s - 1.0)  # mu = u / (beta + T), weights sum to Gamma(s)
    wm = wm / wm.sum()
    out = np.empty_like(x)
    for xv in np.unique(x):
        rows = x == xv
        ul, wl = roots_genlaguerre(nodes, r + xv - 1.0)
        wl = wl / wl.sum()
        lam = ul[None, :, None] / (alpha + T[rows])[:, None, None]  # [customers, lambda node, 1]
        mu = um[None, None, :] / (beta + T[rows])[:, None, None]  # [customers, 1, mu node]
        buy = lam / (lam + mu) * -np.expm1(-(lam + mu) * t)
        out[rows] = np.einsum("cij,i,j->c", buy, wl, wm)
    return np.clip(1.0 - p_alive * out, 0.0, 1.0)
