"""A small windowed LSTM with calendar covariates and a direct multi-step output.

The only module of mopkit.forecast that imports torch. Architecture, for a window with origin t::

    history  [y_{t-L..t-1} scaled, calendar_{t-L..t-1}]      # [B, L, 1+F]
        -> LSTM (one layer, ``hidden`` units) -> last state  # [B, Hd]
    for each step h = 0..H-1 (all at once, "direct" strategy):
        [state, calendar_{t+h}, step embedding_h, y_{t+h-7} scaled]  # [B, H, Hd+F+E+1]
        -> MLP -> scaled forecast                            # [B, H]

The per-step head sees the known calendar of the forecast day (weekday, holiday, festival
phase), so festival peaks can be forecast without being in the history window. Scaling is
:class:`mopkit.forecast.windows.LogLevelScaler` fitted on the training part only. Training uses
the L1 loss (a median forecast, the WAPE-optimal point), Adam, and early stopping on a
validation tail: the windows whose targets fall in the last ``val_days`` days are held out and
the weights of the best validation epoch are kept.

References
----------
Hochreiter, S. & Schmidhuber, J. (1997). Long short-term memory. Neural Computation 9(8).
Taieb, S. B. et al. (2012). A review and comparison of strategies for multi-step ahead time
series forecasting. Expert Systems with Applications 39(8) (direct strategy).
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..errors import InsufficientDataError, ModelError, NotFittedError
from .windows import LogLevelScaler, make_windows, training_origins

__all__ = ["LSTMForecaster"]


class _Net(nn.Module):
    def __init__(self, n_cov: int, horizon: int, hidden: int, season: int, emb: int = 8):
        super().__init__()
        self.season = season
        self.lstm = nn.LSTM(1 + n_cov, hidden, batch_first=True)
        self.step = nn.Embedding(horizon, emb)
        self.head = nn.Sequential(nn.Linear(hidden + n_cov + emb + 1, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, past: torch.Tensor, future_x: torch.Tensor) -> torch.Tensor:
        # past: [B, L, 1+F] (column 0 = scaled y); future_x: [B, H, F]
        b, h, _ = future_x.shape
        _, (state, _) = self.lstm(past)  # state: [1, B, Hd]
        state = state[-1].unsqueeze(1).expand(b, h, -1)  # [B, H, Hd]
        steps = self.step.weight[:h].unsqueeze(0).expand(b, -1, -1)  # [B, H, E]
        lag_idx = past.shape[1] - self.season + (torch.arange(h) % self.season)  # [H]
        same_weekday = past[:, lag_idx, :1]  # [B, H, 1]: y one season before each forecast day
        z = torch.cat([state, future_x, steps, same_weekday], dim=-1)  # [B, H, Hd+F+E+1]
        return self.head(z).squeeze(-1)  # [B, H]


class LSTMForecaster:
    """Windowed LSTM forecaster, deterministic on CPU for a given ``seed``.

    Parameters
    ----------
    horizon : days forecast at once (7-30).
    lookback : history days per window.
    hidden : LSTM units.
    epochs : maximum training epochs; ``patience`` epochs without validation gain stop early.
    val_days : length of the validation tail (default ``max(2 * horizon, 28)``).
    seed, num_threads : determinism and speed. One torch thread is the default: this network is
        small, and on a shared 2-core machine two threads were up to 30x slower (thread spinning
        under contention). Results are identical for a given seed and thread count.

    Attributes (after fit)
    ----------------------
    scaler_, net_, best_epoch_, val_loss_ (per epoch), train_loss_, n_windows_ (train, val).
    """

    name = "lstm"
    min_days = 120

    def __init__(
        self,
        horizon: int = 14,
        lookback: int = 42,
        hidden: int = 32,
        epochs: int = 60,
        batch_size: int = 64,
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        patience: int = 8,
        val_days: int | None = None,
        season: int = 7,
        seed: int = 0,
        num_threads: int = 1,
    ):
        self.horizon = horizon
        self.lookback = lookback
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_days = val_days
        self.season = season
        self.seed = seed
        self.num_threads = num_threads

    # -- helpers -----------------------------------------------------------------------------
    def _tensors(self, w, with_target=True):
        zp, zt, lev = self.scaler_.transform(w.past_y, w.target if with_target else None)
        past = np.concatenate([zp[:, :, None], w.past_x], axis=2)  # [N, L, 1+F]
        t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
        return t(past), t(w.future_x), (None if zt is None else t(zt)), lev

    def _run(self, fn):
        """Run ``fn`` with a fixed thread count and deterministic algorithms, then restore."""
        threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
        torch.set_num_threads(self.num_threads)
        torch.use_deterministic_algorithms(True)
        try:
            return fn()
        finally:
            torch.use_deterministic_algorithms(det)
            torch.set_num_threads(threads)

    # -- API ---------------------------------------------------------------------------------
    def fit(self, y, x=None) -> "LSTMForecaster":
        """Fit on history ``y`` ``[T]`` with covariates ``x`` ``[T, F]`` (None: no covariates).

        Raises
        ------
        InsufficientDataError
            Too few days for a training and a validation window.
        ModelError
            The loss became NaN.
        """
        y = np.asarray(y, dtype=float)
        x = np.zeros((y.size, 0)) if x is None else np.asarray(x, dtype=float)
        if not 1 <= self.horizon <= 60:
            raise ModelError(f"horizon {self.horizon} is out of range", fix="use a horizon of 7 to 30 days")
        h, lb = self.horizon, self.lookback
        val_days = self.val_days or max(2 * h, 28)
        split = y.size - val_days  # first day of the validation tail
        tr = training_origins(y.size, lb, h, end=split)
        va = np.arange(max(split, lb), y.size - h + 1)
        if tr.size < 8 or va.size < 1:
            raise InsufficientDataError(
                f"the LSTM needs at least about {lb + val_days + h + 8} days; got {y.size}",
                fix="use the baselines (they are run anyway) or a shorter lookback/horizon",
            )
        self.scaler_ = LogLevelScaler(level_days=self.season).fit(y[:split])
        wt, wv = make_windows(y, x, lb, h, tr), make_windows(y, x, lb, h, va)
        self.n_windows_ = (int(tr.size), int(va.size))
        self._run(lambda: self._train(wt, wv, x.shape[1]))
        self.y_tail_, self.x_tail_ = y[-lb:].copy(), x[-lb:].copy()
        return self

    def _train(self, wt, wv, n_cov):
        torch.manual_seed(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        pt, ft, yt, _ = self._tensors(wt)
        pv, fv, yv, _ = self._tensors(wv)
        net = _Net(n_cov, self.horizon, self.hidden, self.season)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        loss_fn = nn.L1Loss()
        best, best_state, wait = np.inf, copy.deepcopy(net.state_dict()), 0
        self.train_loss_, self.val_loss_, self.best_epoch_ = [], [], 0
        n = pt.shape[0]
        for epoch in range(self.epochs):
            net.train()
            perm = torch.randperm(n, generator=gen)
            total = 0.0
            for i in range(0, n, self.batch_size):
                idx = perm[i : i + self.batch_size]
                opt.zero_grad()
                loss = loss_fn(net(pt[idx], ft[idx]), yt[idx])  # [b, H] vs [b, H]
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                total += loss.item() * idx.numel()
            net.eval()
            with torch.no_grad():
                vl = float(loss_fn(net(pv, fv), yv))
            if not np.isfinite(vl):
                raise ModelError("the LSTM's loss became NaN", fix="lower lr or check the series for extreme values")
            self.train_loss_.append(total / n)
            self.val_loss_.append(vl)
            if vl < best - 1e-6:
                best, best_state, wait, self.best_epoch_ = vl, copy.deepcopy(net.state_dict()), 0, epoch + 1
            else:
                wait += 1
                if wait >= self.patience:
                    break
        net.load_state_dict(best_state)
        net.eval()
        self.net_ = net

    def predict(self, x_future=None, horizon=None) -> np.ndarray:
        """Forecast the ``horizon`` days after the fitted history; ``x_future`` ``[H, F]``."""
        if not hasattr(self, "net_"):
            raise NotFittedError("the LSTM is not fitted", fix="call fit(y, x) first")
        f = self.x_tail_.shape[1]
        xf = np.zeros((int(horizon or self.horizon), f)) if x_future is None else np.asarray(x_future, dtype=float)
        h = xf.shape[0]
        if h > self.horizon:
            raise ModelError(f"this LSTM forecasts {self.horizon} days at most; asked {h}", fix=f"fit with horizon={h}")
        pad = np.zeros((self.horizon - h, f))
        x_all = np.concatenate([self.x_tail_, xf, pad])  # [L+H, F]
        w = make_windows(self.y_tail_, x_all, self.lookback, self.horizon, origins=np.array([self.lookback]))
        past, fut, _, lev = self._tensors(w, with_target=False)

        def run():
            with torch.no_grad():
                return self.net_(past, fut).numpy()  # [1, H]

        z = self._run(run)
        return self.scaler_.inverse(z.astype(float), lev)[0, :h]
