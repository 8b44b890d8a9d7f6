"""Window building: shapes, alignment (no look-ahead), scaling; importable without torch."""
import subprocess
import sys

import numpy as np
import pytest

from mopkit.forecast.windows import LogLevelScaler, make_windows, training_origins


def test_shapes_and_alignment_on_arange():
    y = np.arange(20.0)  # y[t] = t, so every value names its own day
    x = np.stack([np.arange(20.0), -np.arange(20.0)], axis=1)  # [T, F=2]
    w = make_windows(y, x, lookback=5, horizon=3)
    n = 20 - 5 - 3 + 1  # origins 5..17
    assert w.past_y.shape == (n, 5) and w.past_x.shape == (n, 5, 2)
    assert w.future_x.shape == (n, 3, 2) and w.target.shape == (n, 3)
    np.testing.assert_array_equal(w.origins, np.arange(5, 18))
    for i, t in enumerate(w.origins):
        assert w.past_y[i].max() < t  # history strictly before the origin: no look-ahead
        np.testing.assert_array_equal(w.past_y[i], np.arange(t - 5, t))
        np.testing.assert_array_equal(w.target[i], np.arange(t, t + 3))
        np.testing.assert_array_equal(w.future_x[i, :, 0], np.arange(t, t + 3))  # covariates of the target days
        np.testing.assert_array_equal(w.past_x[i, :, 0], w.past_y[i])


def test_training_origins_respect_end():
    # targets must end at or before index 12: last origin 12 - 3 = 9
    np.testing.assert_array_equal(training_origins(20, 5, 3, end=12), np.arange(5, 10))
    assert training_origins(6, 5, 3).size == 0


def test_forecast_window_past_the_data_needs_future_covariates():
    y = np.arange(10.0)
    x = np.zeros((13, 1))  # 3 future days of covariates
    w = make_windows(y, x, 4, 3, origins=np.array([10]))
    assert w.target is None and w.past_y.tolist() == [[6, 7, 8, 9]]
    with pytest.raises(ValueError):
        make_windows(y, np.zeros((10, 1)), 4, 3, origins=np.array([10]))


def test_scaler_round_trip_and_train_only_fit():
    rng = np.random.default_rng(0)
    y = rng.poisson(50, 100).astype(float)
    sc = LogLevelScaler().fit(y[:60])
    w = make_windows(y, np.zeros((100, 0)), 14, 7)
    zp, zt, lev = sc.transform(w.past_y, w.target)
    np.testing.assert_allclose(sc.inverse(zt, lev), w.target, rtol=1e-9)
    # the spread by hand: sd of week-over-week log1p changes of the data it was given
    z = np.log1p(y[:60])
    assert sc.scale_ == pytest.approx(np.std(z[7:] - z[:-7]), rel=1e-12)
    assert LogLevelScaler().fit(np.full(30, 3.0)).scale_ == 1.0  # constant: no division by zero


def test_windows_module_does_not_import_torch():
    code = "import sys, mopkit.forecast.windows, mopkit.forecast; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lstm_scaler_learns_from_the_training_part_only():
    # The LSTM keeps its last `val_days` for early stopping; its scaler must not see them. Blow the
    # validation tail up 1000-fold: the fitted scale must not move, while a scaler fitted on the
    # whole altered series does (positive control: the check can fail).
    from mopkit.forecast.lstm import LSTMForecaster

    rng = np.random.default_rng(0)
    y = rng.poisson(50, 200).astype(float)
    a = LSTMForecaster(horizon=7, epochs=1, seed=0, val_days=28).fit(y)
    spoiled = y.copy()
    spoiled[-28:] *= 1000
    b = LSTMForecaster(horizon=7, epochs=1, seed=0, val_days=28).fit(spoiled)
    z = np.log1p(y[:-28])
    assert a.scaler_.scale_ == b.scaler_.scale_ == pytest.approx(np.std(z[7:] - z[:-7]), rel=1e-12)
    assert LogLevelScaler().fit(spoiled).scale_ > 2 * a.scaler_.scale_
