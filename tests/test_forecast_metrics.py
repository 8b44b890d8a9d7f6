"""Forecast metrics against hand-computed values and the zero/constant edge cases."""
import math

import numpy as np
import pytest

from mopkit.forecast.metrics import bias, mape, mase, score, wape

Y = [10.0, 20.0, 0.0, 40.0]
P = [12.0, 15.0, 1.0, 40.0]


def test_mape_skips_zero_actuals():
    # by hand: |10-12|/10 = .2, |20-15|/20 = .25, (y=0 left out), 0/40 = 0 -> mean .15 -> 15 %
    assert mape(Y, P) == pytest.approx(15.0)


def test_wape_by_hand():
    # sum|e| = 2 + 5 + 1 + 0 = 8; sum|y| = 70 -> 800/70 %
    assert wape(Y, P) == pytest.approx(800 / 70)


def test_bias_sign_and_value():
    # sum(p - y) = 2 - 5 + 1 + 0 = -2 -> -200/70 % (under-forecast is negative)
    assert bias(Y, P) == pytest.approx(-200 / 70)


def test_mase_by_hand():
    # train 1..10 step 1, m=7: |x_t - x_{t-7}| = 7 for the 3 pairs -> scale 7; mean|e| = 8/4 = 2 -> 2/7
    train = np.arange(1.0, 11.0)
    assert mase(Y, P, train, m=7) == pytest.approx(2 / 7)
    # too short for lag 7: lag-1 naive scale = 1 -> 2
    assert mase(Y, P, [1.0, 2.0, 3.0], m=7) == pytest.approx(2.0)


def test_constant_and_zero_series_do_not_divide_by_zero():
    const = np.full(14, 5.0)
    s = score(const, const, np.full(30, 5.0))  # exact forecast of a constant: every metric is 0
    assert s == {"mape": 0.0, "wape": 0.0, "mase": 0.0, "bias": 0.0}
    s = score(const, const + 1, np.full(30, 5.0))  # wrong forecast, constant training: MASE undefined
    assert s["wape"] == pytest.approx(20.0) and s["bias"] == pytest.approx(20.0) and math.isnan(s["mase"])
    zeros = np.zeros(7)
    assert wape(zeros, zeros) == 0.0 and mape(zeros, zeros) == 0.0 and bias(zeros, zeros) == 0.0
    assert math.isnan(wape(zeros, zeros + 1)) and math.isnan(bias(zeros, zeros + 1))


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        wape([1, 2], [1, 2, 3])
