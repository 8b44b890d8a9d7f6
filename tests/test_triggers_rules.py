"""Trigger rules and guards on hand-made event logs: every expected audience is worked out by hand
in the comments (thresholds, waits, suppressions, the frequency cap)."""
import pandas as pd
import pytest

import mopkit.triggers as T
from mopkit.errors import ConfigError, UnknownNameError

AS_OF = pd.Timestamp("2025-06-10 00:00:00")
ts = pd.Timestamp


def orders(rows):
    """rows: (customer, time[, amount]) -> canonical paid orders."""
    df = pd.DataFrame([(c, ts(t), a[0] if a else 100.0) for c, t, *a in rows], columns=["customer_id", "order_time", "amount"])
    df["order_id"] = [f"o{i}" for i in range(len(df))]
    df["status"] = "paid"
    df["channel"] = "tmall"
    return df


def events(rows):
    """rows: (customer, time, type, sku, seconds)."""
    return pd.DataFrame([(c, ts(t), e, s, float(d)) for c, t, e, s, d in rows],
                        columns=["customer_id", "event_time", "event_type", "sku", "duration_s"])


def audience_of(res, rule):
    return set(res.audience.loc[res.audience["trigger"] == rule, "customer_id"])


def reasons_of(res, rule):
    g = res.guarded[res.guarded["trigger"] == rule]
    return dict(zip(g["customer_id"], g["suppressed"]))


@pytest.fixture(scope="module")
def browse_case():
    ev = events([
        ("A", "2025-06-09 08:00", "view", "P1", 180),   # exactly at the threshold: in
        ("B", "2025-06-09 08:00", "view", "P1", 179),   # one second short: not a candidate
        ("C", "2025-06-08 10:00", "view", "P1", 200),   # orders at 20:00, during the 24 h wait
        ("D", "2025-06-08 12:00", "view", "P1", 300),   # adds P1 to cart an hour later
        ("D", "2025-06-08 13:00", "add_to_cart", "P1", 5),
        ("E", "2025-06-09 12:00", "view", "P1", 300),   # ordered 3 days before the view
        ("F", "2025-06-09 12:00", "view", "P1", 300),   # opted out
        ("G", "2025-06-09 09:00", "view", "P3", 400),   # also carts another product: the cart message wins the cap
        ("G", "2025-06-09 10:00", "add_to_cart", "P4", 5),
        ("H", "2025-06-09 15:00", "view", "P2", 100),   # 100 + 100 s in one session: only counts per session
        ("H", "2025-06-09 15:05", "view", "P2", 100),
        ("I", "2025-06-08 00:30", "view", "P1", 300),   # orders exactly when the wait ends (inclusive)
        ("J", "2025-06-01 09:00", "view", "P1", 900),   # older than fresh_days: replay only
    ])
    o = orders([("C", "2025-06-08 20:00"), ("E", "2025-06-06 12:00"), ("I", "2025-06-09 00:30"),
                ("Z", "2025-06-09 23:00")])
    data = T.prepare_data(o, events=ev, as_of=AS_OF)
    only = {n: {"enabled": False} for n in T.DEFAULTS if n not in ("browse_abandonment", "cart_abandonment")}
    res = T.build_triggers(data, salt="s", rules=only, opt_out={"F"}, holdout_share=0.0)
    return data, res, only


def test_browse_abandonment_audience(browse_case):
    _, res, _ = browse_case
    # A (exactly 180 s) is the only browse message that goes out
    assert audience_of(res, "browse_abandonment") == {"A"}
    assert reasons_of(res, "browse_abandonment") == {
        "A": "", "C": "ordered_during_wait", "D": "added_to_cart", "E": "ordered_recently", "F": "opted_out",
        "G": "frequency_cap", "I": "ordered_during_wait"}
    a = res.audience[res.audience["trigger"] == "browse_abandonment"].iloc[0]
    # viewed 06-09 08:00 + 24 h wait = 06-10 08:00: after as_of and outside quiet hours
    assert a["send_at"] == ts("2025-06-10 08:00") and a["product"] == "P1"


def test_cart_abandonment_wins_the_cap(browse_case):
    _, res, _ = browse_case
    # D carted P1 at 06-08 13:00, G carted P4 at 06-09 10:00; neither ordered. Their sends
    # (wait 4 h) are already past at as_of, so they go out at as_of, moved out of the night to 08:00.
    assert audience_of(res, "cart_abandonment") == {"D", "G"}
    sends = res.audience[res.audience["trigger"] == "cart_abandonment"]["send_at"]
    assert (sends == ts("2025-06-10 08:00")).all()


def test_candidates_reconcile(browse_case):
    _, res, _ = browse_case
    s = res.summary.set_index("rule")
    assert (s["candidates"] == s["audience"] + s["suppressed"]).all()
    assert s.loc["browse_abandonment", "candidates"] == 7
    assert s.loc["browse_abandonment", "suppressed_frequency_cap"] == 1


def test_session_mode_sums_views(browse_case):
    data, _, only = browse_case
    rules = {**only, "browse_abandonment": {"per": "session"}}
    res = T.build_triggers(data, salt="s", rules=rules, opt_out={"F"}, holdout_share=0.0)
    assert "H" in audience_of(res, "browse_abandonment")  # 100 + 100 >= 180 within one session
    assert "A" in audience_of(res, "browse_abandonment")


def test_cart_ordered_exactly_when_the_wait_ends():
    ev = events([("K", "2025-06-09 01:00", "add_to_cart", "P1", 3), ("L", "2025-06-09 01:00", "add_to_cart", "P1", 3)])
    o = orders([("K", "2025-06-09 05:00")])  # wait 4 h: the order at 05:00 counts as during the wait
    res = T.build_triggers(T.prepare_data(o, events=ev, as_of=AS_OF), salt="s", holdout_share=0.0,
                           rules={n: {"enabled": False} for n in T.DEFAULTS if n != "cart_abandonment"})
    assert reasons_of(res, "cart_abandonment") == {"K": "ordered_during_wait", "L": ""}


def test_replenishment():
    rows = []
    for i in range(20):  # 20 repeat buyers of S, 30 days apart: interval (75th percentile) = 30 days
        rows += [(f"R{i}", "2025-01-01 10:00"), (f"R{i}", "2025-01-31 10:00")]
    rows += [("X", "2025-05-12 10:00"),                          # due 05-12 + 30 - 3 = 06-08: reminded
             ("Y", "2025-05-12 10:00"), ("Y", "2025-06-01 10:00"),  # reordered before due; next due after as_of
             ("Q", "2025-05-12 10:00")]                          # bought T: only 1 gap, no interval known
    o = orders(rows)
    items = pd.DataFrame({"order_id": o["order_id"], "sku": ["T" if c == "Q" else "S" for c in o["customer_id"]],
                          "product_name": ["爽肤水" if c == "Q" else "洁面乳" for c in o["customer_id"]]})
    data = T.prepare_data(o, order_items=items, as_of=AS_OF)
    fired = T.run_rule("replenishment", data)
    cur = T.current(fired, AS_OF, 30)
    assert set(cur["customer_id"]) == {"X"}
    assert cur["reason"].iloc[0] == "2025-05-12 购买了 洁面乳，该商品通常 30 天后复购，即将用完"
    assert cur["trigger_time"].iloc[0] == ts("2025-06-08 10:00")
    # in history, each repeat buyer was reminded 27 days after each purchase: on 01-28 (they
    # reordered on day 30, after the reminder) and on 02-27 (never reordered)
    past = fired[fired["customer_id"].str.startswith("R")]
    assert sorted(past["trigger_time"].value_counts().items()) == [(ts("2025-01-28 10:00"), 20), (ts("2025-02-27 10:00"), 20)]
    # S has 21 gaps (20 x 30 days, Y: 20 days); with min_repeats 22 it gets no interval, no reminder
    assert T.run_rule("replenishment", data, {"min_repeats": 22}).empty


def test_winback():
    d = lambda days: AS_OF - pd.Timedelta(days=days)  # noqa: E731
    rows = []
    for c, last in (("W", 25), ("W2", 20), ("V", 15)):  # gaps of 10 days: k=2 -> due 20 days after the last order
        rows += [(c, d(last + 20)), (c, d(last + 10)), (c, d(last))]
    rows += [("U", d(100)), ("U", d(40))]  # one gap of 60 days only: everyone's median gap (10 days) is used
    res = T.run_rule("winback", T.prepare_data(orders(rows), as_of=AS_OF), {"k": 2.0, "min_gaps": 2})
    cur = T.current(res, AS_OF, 30)
    # W: due 5 days ago; W2: due exactly at as_of (inclusive); V: due in 5 days; U: due 20 days ago
    assert set(cur["customer_id"]) == {"W", "W2", "U"}
    assert cur.set_index("customer_id").loc["W2", "trigger_time"] == AS_OF
    assert cur["p_alive"].isna().all()  # no CLV output: P(alive) unavailable, said so, not invented


def test_winback_history_does_not_fire_after_a_first_order():
    # R: orders 200, 100, 90 and 80 days ago (median gap 10 days, k=2). After the first order R was
    # a one-order customer (second_purchase's case): the replay must not fire winback 180 days ago
    # just because R is known to have ordered again later. Fires only 20 days after the last order.
    d = lambda days: AS_OF - pd.Timedelta(days=days)  # noqa: E731
    rows = [("R", d(200)), ("R", d(100)), ("R", d(90)), ("R", d(80))]
    res = T.run_rule("winback", T.prepare_data(orders(rows), as_of=AS_OF), {"k": 2.0, "min_gaps": 2})
    assert list(res["trigger_time"]) == [d(60)]


def test_second_purchase():
    d = lambda days: AS_OF - pd.Timedelta(days=days)  # noqa: E731
    o = orders([("S1", d(31)), ("S2", d(31)), ("S2", d(10)), ("S3", d(29)), ("S4", d(30))])
    cur = T.current(T.run_rule("second_purchase", T.prepare_data(o, as_of=AS_OF), {"days": 30}), AS_OF, 30)
    assert set(cur["customer_id"]) == {"S1", "S4"}  # S4 exactly 30 days: due now


def test_vip_at_risk_and_winback_share_the_cap():
    clv = pd.DataFrame({"customer_id": ["V1", "V2", "B1"], "p_alive": [0.3, 0.5, 0.1], "tier": ["VIP", "VIP", "普通"],
                        "segment": ["x", "x", "y"], "monetary": [2000.0, 1800.0, 100.0]})
    d = lambda days: AS_OF - pd.Timedelta(days=days)  # noqa: E731
    o = orders([("V1", d(60)), ("V1", d(50)), ("V1", d(40)), ("V2", d(5)), ("B1", d(5))])
    data = T.prepare_data(o, clv=clv, as_of=AS_OF)
    assert T.rules.top_tiers(clv) == ["VIP"]
    vip = T.run_rule("vip_at_risk", data)
    assert set(vip["customer_id"]) == {"V1"}  # V2 sits exactly at the 0.5 band: not below it
    res = T.build_triggers(data, salt="s", holdout_share=0.0)
    # V1 is also due for win-back (last order 40 days ago > 2 x 10); VIP at risk ranks higher
    assert reasons_of(res, "winback")["V1"] == "frequency_cap"
    assert audience_of(res, "vip_at_risk") == {"V1"}
    assert res.audience.set_index("trigger").loc["vip_at_risk", "p_alive"] == pytest.approx(0.3)


def test_frequency_cap_respects_hours():
    c = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "trigger": ["winback", "cart_abandonment", "winback", "winback"],
                      "trigger_time": [ts("2025-06-01 09:00")] * 4,
                      "send_at": [ts("2025-06-01 09:00"), ts("2025-06-01 20:00"), ts("2025-06-02 12:00"), ts("2025-06-01 09:00")],
                      "suppress": ""})
    g = T.apply_guards(c, orders([]), as_of=ts("2025-06-03"), cap_hours=16, quiet_hours=None,
                       priority=["cart_abandonment", "winback"])
    # the cart message (20:00) goes first; winback 11 h before and 16 h after it: the 09:00 one is
    # dropped (11 h < 16 h), the next-day 12:00 one is exactly 16 h later and kept; b is alone
    assert list(g["suppressed"]) == ["frequency_cap", "", "", ""]


def test_quiet_hours():
    s = pd.Series([ts("2025-06-01 23:30"), ts("2025-06-01 03:00"), ts("2025-06-01 08:00"), ts("2025-06-01 21:59")])
    out = T.timing.shift_out_of_quiet_hours(s, (22, 8))
    assert list(out) == [ts("2025-06-02 08:00"), ts("2025-06-01 08:00"), ts("2025-06-01 08:00"), ts("2025-06-01 21:59")]


def test_unknown_rule_and_parameter():
    with pytest.raises(UnknownNameError):
        T.run_rule("birthday", T.prepare_data(orders([("a", "2025-01-01")])))
    with pytest.raises(ConfigError, match="wait_hour"):
        T.rule_params("cart_abandonment", {"wait_hour": 3})
    data = T.prepare_data(orders([("a", "2025-01-01")]), as_of=AS_OF)
    with pytest.raises(UnknownNameError, match="winbak"):
        T.build_triggers(data, salt="s", priority=["winbak"])
    with pytest.raises(UnknownNameError, match="birthday"):
        T.build_triggers(data, salt="s", rules={"birthday": {}})
    # a rule left out of priority still runs, after the ranked ones
    res = T.build_triggers(data, salt="s", priority=["second_purchase"])
    assert res.rules[0] == "second_purchase" and set(res.rules) == set(T.RULES)


def test_holdout_stable_and_close_to_share():
    ids = [f"c_{i:012x}" for i in range(100_000)]
    g1 = T.assign_groups(ids, "winback", "salt-1", 0.10)
    share = (g1 == "holdout").mean()
    assert abs(share - 0.10) < 0.003  # 3 standard errors of a binomial share (sqrt(.1*.9/1e5) = 0.00095)
    # same inputs, same groups; a customer's group does not depend on who else is in the list
    assert (T.assign_groups(ids, "winback", "salt-1", 0.10) == g1).all()
    assert (T.assign_groups(ids[5000:6000][::-1], "winback", "salt-1", 0.10) == g1[5000:6000][::-1]).all()
    # another trigger or salt draws independent groups: both-holdout share ~ 0.1 * 0.1
    g2 = T.assign_groups(ids, "cart_abandonment", "salt-1", 0.10)
    assert abs(((g1 == "holdout") & (g2 == "holdout")).mean() - 0.01) < 0.0015
    assert (T.assign_groups(ids, "winback", "salt-2", 0.10) != g1).mean() > 0.1
    with pytest.raises(ConfigError):
        T.assign_groups(ids[:3], "winback", "s", 1.5)


def test_offer_and_channel():
    o = orders([("a", "2025-06-01", 40.0), ("b", "2025-06-01", 400.0)])
    o.loc[0, "channel"] = "wechat"
    cust = pd.DataFrame({"customer_id": ["b", "c"], "phone": ["ph_1", "ph_2"], "wechat_id": [None, None], "douyin_id": [None, "dy_1"]})
    reach = T.reachable(cust, o)
    assert list(T.suggest_channel(pd.Series(["a", "b", "c", "d"]), reach)) == ["wecom", "sms", "sms", "platform"]
    aud = pd.DataFrame({"customer_id": ["a", "b", "b"], "trigger": ["winback", "winback", "replenishment"],
                        "tier": ["", "VIP", "VIP"]})
    # a: default 10, capped at 40 * 0.5 margin * 0.5 = 10; b: VIP 30 (cap 100); replenishment: reminder only
    v = T.suggest_offer(aud, o, coupon_by_tier={"default": 10, "VIP": 30}, margin=0.5, max_discount_share=0.5)
    assert list(v) == [10.0, 30.0, 0.0]
    aud2 = aud.assign(tier=["", "", ""])
    assert T.suggest_offer(aud2.iloc[:1], o, coupon_by_tier={"default": 15})[0] == 10.0  # capped by a's margin


def test_replay_counts_fired_and_conversion():
    # one cart abandonment per day for 10 days before as_of; half of them order 3 days after the send
    rows, ords = [], []
    for i in range(10):
        t0 = AS_OF - pd.Timedelta(days=20 - i)
        rows.append((f"k{i}", t0, "add_to_cart", "P", 1))
        if i % 2 == 0:
            ords.append((f"k{i}", t0 + pd.Timedelta(hours=4 + 72), 50.0))
    data = T.prepare_data(orders(ords), events=events(rows), as_of=AS_OF)
    res = T.build_triggers(data, salt="s", replay_days=30, quiet_hours=None,
                           rules={n: {"enabled": False} for n in T.DEFAULTS if n != "cart_abandonment"})
    s = res.summary.set_index("rule").loc["cart_abandonment"]
    assert s["replay_fired_per_day"] == pytest.approx(10 / 30)
    assert s["replay_conversion_7d"] == pytest.approx(0.5)
    assert s["expected_revenue_30d"] == pytest.approx(10 / 30 * 30 * 25.0)  # 50 per converter, half convert


def test_pseudonym_codes_and_text_ids_give_the_same_audience(browse_case):
    data, res, only = browse_case
    assert data.ids is not None  # hand-made ids ("A", "B", ...) are numbered
    rename = {c: f"c_{i:012x}" for i, c in enumerate("ABCDEFGHIJZ", start=40)}
    o = pd.DataFrame({"order_id": data.orders["order_id"], "customer_id": data.decode(data.orders["customer_id"]),
                      "order_time": data.orders["order_time"], "amount": data.orders["amount"]})
    ev = data.events.assign(customer_id=data.decode(data.events["customer_id"]))
    o["customer_id"] = o["customer_id"].map(rename)
    ev["customer_id"] = ev["customer_id"].map(rename)
    hexdata = T.prepare_data(o, events=ev, as_of=AS_OF)
    assert hexdata.ids is None  # loader pseudonyms are read as the numbers they spell
    assert list(hexdata.decode(hexdata.codes(["c_00000000002a", "U1"]))) == ["c_00000000002a"]
    res2 = T.build_triggers(hexdata, salt="s", rules=only, opt_out={rename["F"]}, holdout_share=0.0)
    back = {v: k for k, v in rename.items()}
    a = res.audience[["customer_id", "trigger", "send_at"]]
    b = res2.audience[["customer_id", "trigger", "send_at"]].assign(customer_id=lambda d: d["customer_id"].map(back))
    pd.testing.assert_frame_equal(a.sort_values(["trigger", "customer_id"]).reset_index(drop=True),
                                  b.sort_values(["trigger", "customer_id"]).reset_index(drop=True))


def test_integer_numbering_and_customer_order_match_pandas():
    """Issue 16: ids numbered on integers give pandas' codes of all ids concatenated (orders in
    time order first), and the one-sort (customer, time) order is a stable two-key sort_values."""
    import numpy as np

    from mopkit.triggers.data import _number_ids
    from mopkit.triggers.timing import by_customer

    rng = np.random.default_rng(4)
    ids = np.array([f"c_{x:032x}" for x in rng.integers(0, 2**62, 40)], dtype=object)
    orders_ids = pd.Series(rng.choice(ids[:30], 500), dtype="str")
    rows = rng.permutation(500)[:400]
    others = [pd.Series(rng.choice(ids, 80), dtype="str"), pd.Series(rng.choice(ids[25:], 60), dtype="str")]
    parts, got_ids = _number_ids(orders_ids, rows, others)
    want, want_ids = pd.factorize(pd.concat([orders_ids.iloc[rows], *others], ignore_index=True))
    np.testing.assert_array_equal(np.concatenate(parts), want)
    assert list(got_ids) == list(want_ids)

    t = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 50, 300)), unit="D")  # ties on purpose
    o = pd.DataFrame({"customer_id": rng.integers(0, 20, 300), "order_time": t})
    for frame in (o, o.sample(frac=1.0, random_state=1).reset_index(drop=True)):  # time-sorted, then not
        want = frame.sort_values(["customer_id", "order_time"], kind="stable").index.to_numpy()
        np.testing.assert_array_equal(by_customer(frame), want)
