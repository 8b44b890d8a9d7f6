"""Date and amount parsing: the forms Chinese e-commerce exports use (hand-written cases)."""
import pandas as pd
import pytest

from mopkit.data.parse import parse_amounts, parse_counts, parse_datetimes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-01-05", "2024-01-05 00:00:00"),
        ("2024/1/5", "2024-01-05 00:00:00"),
        ("2024/1/5 13:02", "2024-01-05 13:02:00"),
        ("2024年1月5日", "2024-01-05 00:00:00"),
        ("2024年1月5日 13时02分", "2024-01-05 13:02:00"),
        ("20240105", "2024-01-05 00:00:00"),
        ("2024-01-05T13:02:11+08:00", "2024-01-05 13:02:11"),  # wall-clock time kept
        ("2024-02-29 23:59:59", "2024-02-29 23:59:59"),
    ],
)
def test_date_forms(text, expected):
    parsed, bad = parse_datetimes(pd.Series([text]))
    assert not bad.iloc[0]
    assert parsed.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["garbage", "2024-13-01", "2023-02-29", "2024/1/5 25:00", "1/5/2024"])
def test_bad_dates_are_flagged_not_guessed(text):
    parsed, bad = parse_datetimes(pd.Series([text]))
    assert bad.iloc[0] and pd.isna(parsed.iloc[0])


def test_empty_dates_are_missing_not_bad():
    parsed, bad = parse_datetimes(pd.Series(["", None]))
    assert parsed.isna().all() and not bad.any()


@pytest.mark.parametrize(
    "text, value, cleaned",
    [("1234.5", 1234.5, False), ("¥1,234.50", 1234.5, True), ("￥1 234", 1234.0, True), ("1234.50元", 1234.5, True),
     ("RMB 12", 12.0, True), ("(12.00)", -12.0, True), ("0", 0.0, False)],
)
def test_amount_forms(text, value, cleaned):
    parsed, bad, was_cleaned = parse_amounts(pd.Series([text]))
    assert parsed.iloc[0] == value and not bad.iloc[0] and was_cleaned.iloc[0] == cleaned


def test_counts_reject_fractions():
    parsed, bad = parse_counts(pd.Series(["3", "2.5", "x", "1,000"]))
    assert bad.tolist() == [False, True, True, False]
    assert parsed.iloc[3] == 1000
