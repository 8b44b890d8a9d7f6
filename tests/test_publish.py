"""The published cockpit (``mopkit publish``): one offline HTML file per run and language.

Truths: ``outputs/kpis.csv`` written by the dashboard notebook of the same run (the catalogue's
``compute_kpis``), and sums of the canonical orders computed here with pandas for the platform
filter. The browser tests open the file from ``file://`` in headless Chromium with every
non-file request aborted and counted, and save screenshots under ``tmp_path``.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mopkit.publish import ADDITIVE, RATIOS, build_payload, publish

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def run_dir(small_run) -> Path:
    assert small_run.ok, small_run.summary()
    return Path(small_run.run_dir)


@pytest.fixture(scope="module")
def kpis(run_dir) -> pd.DataFrame:
    k = pd.read_csv(run_dir / "outputs" / "kpis.csv", parse_dates=["period"])
    return k


def _period_sums(payload: dict, freq: str) -> pd.DataFrame:
    d = payload["daily"]
    df = pd.DataFrame({m: d[m] for m in ("d", "c", *ADDITIVE)})
    df["day"] = pd.to_datetime(df["d"], unit="D")
    df["period"] = df["day"].dt.to_period(freq).dt.start_time
    chans = [c[0] for c in payload["channels"]]
    df["channel"] = [chans[i] for i in df["c"]]
    per_ch = df.groupby(["period", "channel"])[list(ADDITIVE)].sum()
    total = df.groupby("period")[list(ADDITIVE)].sum().assign(channel="all").set_index("channel", append=True)
    return pd.concat([per_ch, total])


def test_shipped_sums_and_ratio_formulas_equal_kpis_csv(run_dir, kpis):
    """Every additive metric and every ratio rebuilt from the shipped daily sums with RATIOS
    equals the notebook's kpis.csv, per week and month, per channel and overall, to the cent."""
    payload = build_payload(run_dir, "zh")
    checked = 0
    for freq, pfreq in (("W", "W-SUN"), ("M", "M")):
        sums = _period_sums(payload, pfreq)
        sums["refund"] = sums["gmv"] - sums["net_sales"]
        sums["profit"] = sums["net_sales"] - sums["ad_spend"]
        k = kpis[kpis["freq"] == freq].set_index(["period", "channel", "metric"])["value"]
        for (period, channel), row in sums.iterrows():
            for m in ADDITIVE:
                want = k.get((period, channel, m), 0.0)
                assert row[m] == pytest.approx(want, abs=0.005), (freq, period, channel, m)
                checked += 1
            for m, (num, den, factor) in RATIOS.items():
                want = k.get((period, channel, m), np.nan)
                got = row[num] / row[den] * factor if row[den] > 0 else np.nan
                if np.isnan(want):
                    assert np.isnan(got), (freq, period, channel, m)
                else:
                    assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (freq, period, channel, m)
                checked += 1
    assert checked > 2000


def test_buyers_per_period_equal_kpis_csv(run_dir, kpis):
    payload = build_payload(run_dir, "zh")
    b = payload["buyers"]["M"]["all"]
    k = kpis[(kpis["freq"] == "M") & (kpis["channel"] == "all")].set_index(["period", "metric"])["value"]
    for i, day in enumerate(b["p"]):
        period = pd.Timestamp(np.datetime64(day, "D"))
        for m in ("buyers", "new_buyers"):
            assert b[m][i] == k[(period, m)]


# ------------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def browser(request):
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Page:
    """A published file opened from file:// with the network blocked."""

    def __init__(self, browser, html: Path, shots: Path):
        self.external: list[str] = []
        self.errors: list[str] = []
        # bypass_csp: the page's own Content-Security-Policy would block requests before the
        # route below could count them; without it, the route is the whole check
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, bypass_csp=True)
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(html.as_uri())
        self.page.wait_for_selector("body[data-ready]")
        self.shots = shots

    def _route(self, route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        self.external.append(route.request.url)
        return route.abort()

    def act(self, fn):
        """Run an action and wait for the page to redraw."""
        before = self.page.get_attribute("body", "data-ready")
        fn()
        self.page.wait_for_function("(b) => document.body.getAttribute('data-ready') !== b", arg=before, timeout=10_000)

    def card(self, metric: str) -> float | None:
        v = self.page.get_attribute(f'.card[data-metric="{metric}"] .v', "data-value")
        return None if v is None else float(v)

    def card_text(self, metric: str) -> str:
        return self.page.inner_text(f'.card[data-metric="{metric}"] .v')

    def shot(self, name: str) -> Path:
        p = self.shots / f"{name}.png"
        self.page.screenshot(path=str(p), full_page=True)
        assert p.stat().st_size > 20_000
        return p


@pytest.fixture(scope="module")
def published(run_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("published")
    return publish(run_dir, lang="zh", out=out / "cockpit_zh.html")


def test_file_is_self_contained_and_small(published):
    html = published.read_text(encoding="utf-8")
    assert published.stat().st_size < 5_000_000
    for needle in ("<script src", "<link ", "@import", "url(http"):
        assert needle not in html
    assert "default-src 'none'" in html  # the page's CSP forbids any fetch


def test_filters_change_numbers_and_match_kpis_csv(published, browser, kpis, tmp_path):
    pg = Page(browser, published, tmp_path)
    p = pg.page
    k = kpis.set_index(["freq", "period", "channel", "metric"])["value"]
    # opens on the last 30 days, by day, with period-over-period and year-over-year changes
    assert p.inner_text('[data-preset="30d"]') == "近30天"
    assert pg.card_text("gmv").startswith("¥")
    assert p.locator('.card[data-metric="gmv"] [data-change]').count() == 2
    pg.shot("exec_30d")

    # presets: each gives other numbers; 上月 (November 2025) equals kpis.csv's month
    seen = {}
    for preset in ("7d", "30d", "mtd", "lm", "ytd", "all"):
        pg.act(lambda: p.click(f'[data-preset="{preset}"]'))
        seen[preset] = pg.card("gmv")
    assert len(set(seen.values())) == len(seen), seen
    pg.act(lambda: p.click('[data-preset="lm"]'))
    nov = ("M", pd.Timestamp("2025-11-01"), "all")
    for m in ("gmv", "net_sales", "orders", "aov", "ad_spend", "roas", "ctr", "cvr", "refund_rate", "cpa"):
        assert pg.card(m) == pytest.approx(k[(*nov, m)], abs=0.005 if m in ("gmv", "net_sales", "ad_spend", "aov", "cpa") else 1e-9), m
    assert pg.card_text("gmv") == f"¥{k[(*nov, 'gmv')]:,.2f}"

    # channel: one channel's GMV is that channel's month in kpis.csv
    pg.act(lambda: p.select_option("#f-channel", label="抖音"))
    assert pg.card("gmv") == pytest.approx(k[("M", pd.Timestamp("2025-11-01"), "douyin", "gmv")], abs=0.005)
    pg.act(lambda: p.select_option("#f-channel", value="-1"))

    # the date inputs themselves
    pg.act(lambda: (p.fill("#f-from", "2025-10-01"), p.fill("#f-to", "2025-10-31"),
                    p.dispatch_event("#f-to", "change")))
    assert pg.card("gmv") == pytest.approx(k[("M", pd.Timestamp("2025-10-01"), "all", "gmv")], abs=0.005)

    # operations page, whole data by month: every complete month's row equals kpis.csv
    pg.act(lambda: p.click('nav button[data-page="ops"]'))
    pg.act(lambda: p.click('[data-preset="all"]'))
    pg.act(lambda: p.click('[data-freq="M"]'))
    rows = p.locator("#t-periods tbody tr")
    assert rows.count() == 12  # paged, not cut: 24 months
    assert "共 24 行" in p.inner_text("#t-periods .tbar")
    head = [h.strip() for h in p.locator("#t-periods thead th").all_inner_texts()]
    checked = 0
    for page_no in range(2):
        for r in range(rows.count()):
            cells = rows.nth(r).locator("td")
            period = pd.Timestamp(cells.nth(0).inner_text()[:7] + "-01")
            for m, col in (("gmv", "成交额 GMV"), ("orders", "订单数"), ("buyers", "买家数"), ("roas", "广告投产比 ROAS")):
                v = float(cells.nth(head.index(col)).get_attribute("data-value"))
                assert v == pytest.approx(k[("M", period, "all", m)], abs=0.005), (period, m)
                checked += 1
        if page_no == 0:
            p.click("#t-periods [data-a=next]")
    assert checked == 96
    # granularity: weeks have other rows, the last week (2025-12-29, cut by the data end) is partial
    pg.act(lambda: p.click('[data-freq="W"]'))
    first = p.locator("#t-periods tbody tr").first
    assert "partial" in first.get_attribute("class")
    assert "不完整" in first.inner_text()
    assert first.locator("td").last.inner_text() == "无数据"  # no change figure for a partial period
    pg.shot("ops_all_weeks")

    # CSV download of a complete table
    with p.expect_download() as dl:
        p.click("#t-periods [data-a=csv]")
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 105  # header + every week, not one page

    pg.act(lambda: p.click('nav button[data-page="mon"]'))
    assert p.locator("#t-alerts .sev").count() >= 1 or "没有触发" in p.inner_text("#t-alerts")
    pg.shot("monitoring")
    assert pg.external == [] and pg.errors == []
    pg.ctx.close()


def test_invalid_and_empty_ranges_say_so(published, browser, tmp_path):
    """A start after the end, a range outside the data, a range half outside: a message, never zeros."""
    pg = Page(browser, published, tmp_path)
    p = pg.page
    pg.act(lambda: (p.fill("#f-from", "2025-10-31"), p.fill("#f-to", "2025-10-01"), p.dispatch_event("#f-to", "change")))
    assert "开始日期晚于结束日期" in p.inner_text("#banner")
    assert not p.locator("#cards").is_visible()  # no stale cards
    pg.act(lambda: (p.fill("#f-from", "2030-01-01"), p.fill("#f-to", "2030-02-01"), p.dispatch_event("#f-to", "change")))
    assert "没有数据" in p.inner_text("#banner") and "2025-12-31" in p.inner_text("#banner")
    assert not p.locator("#cards").is_visible()
    pg.shot("empty_range")
    # a range running past the data is clipped and says so; no comparison without full data
    pg.act(lambda: (p.fill("#f-from", "2023-06-01"), p.fill("#f-to", "2024-01-31"), p.dispatch_event("#f-to", "change")))
    assert "2024-01-01" in p.inner_text("#banner") and p.locator("#cards").is_visible()
    assert p.locator('.card[data-metric="gmv"] [data-change]').count() == 0
    assert "无法对比" in p.inner_text("#c-water-note")
    assert pg.external == [] and pg.errors == []
    pg.ctx.close()


def test_platform_filter_and_client_currency(run_dir, browser, tmp_path):
    """A client whose orders carry a platform and who reports in USD/English."""
    run = tmp_path / "run"
    shutil.copytree(run_dir, run, ignore=shutil.ignore_patterns("html", "notebooks", "*.pdf"))
    orders = pd.read_parquet(run / "data" / "orders.parquet")
    orders["platform"] = np.where(orders["order_id"].str[-1].isin(list("02468")), "tmall", "douyin")
    orders.to_parquet(run / "data" / "orders.parquet")
    cfg = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
    cfg["currency"], cfg["language"] = "USD", "en"
    (run / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    html = publish(run, lang="en")
    pg = Page(browser, html, tmp_path)
    p = pg.page
    pg.act(lambda: p.click('[data-preset="lm"]'))
    assert pg.card_text("gmv").startswith("$") and "¥" not in p.inner_text("#cards")
    o = orders[(orders["status"] != "cancelled") & (orders["order_time"] >= "2025-11-01") & (orders["order_time"] < "2025-12-01")]
    assert pg.card("gmv") == pytest.approx(o["amount"].sum(), abs=0.005)
    pg.act(lambda: p.select_option("#f-platform", label="Tmall"))
    want = o.loc[o["platform"] == "tmall", "amount"].sum()
    assert pg.card("gmv") == pytest.approx(want, abs=0.005) and 0 < want < o["amount"].sum()
    assert pg.card("roas") is None  # ads have no platform column: not guessed
    pg.act(lambda: p.click('nav button[data-page="ops"]'))
    assert "platform" in p.inner_text("#c-ads-note")
    assert p.locator("#t-platforms tbody tr").count() == 1
    pg.shot("platform_usd_en")
    assert pg.external == [] and pg.errors == []
    pg.ctx.close()


def test_a_client_without_channels_gets_no_channel_chart(run_dir, browser, tmp_path):
    """Every order in one channel (a client whose exports have no channel column): the channel
    chart is left out with a note instead of a full-page 100 % bar; the numbers still show."""
    run = tmp_path / "run"
    shutil.copytree(run_dir, run, ignore=shutil.ignore_patterns("html", "notebooks", "*.pdf"))
    orders = pd.read_parquet(run / "data" / "orders.parquet").assign(channel="unknown")
    if "platform" in orders.columns:  # one export without a channel column: no platform to fall back on either
        orders = orders.assign(platform="unknown")
    orders.to_parquet(run / "data" / "orders.parquet")
    (run / "data" / "ad_spend.parquet").unlink()  # and no ad table
    pg = Page(browser, publish(run, lang="zh"), tmp_path)
    p = pg.page
    pg.act(lambda: p.click('[data-preset="lm"]'))
    o = orders[(orders["status"] != "cancelled") & (orders["order_time"] >= "2025-11-01") & (orders["order_time"] < "2025-12-01")]
    assert pg.card("gmv") == pytest.approx(o["amount"].sum(), abs=0.005)
    assert pg.card("roas") is None and pg.card_text("roas") == "无数据"  # not zero
    pg.act(lambda: p.click('nav button[data-page="ops"]'))
    assert not p.locator("#c-channels").is_visible() and "只有一个渠道" in p.inner_text("#c-channels-note")
    assert not p.locator("#c-ads").is_visible() and "没有广告" in p.inner_text("#c-ads-note")
    pg.shot("single_channel")
    assert pg.external == [] and pg.errors == []
    pg.ctx.close()


def test_voila_cards_and_pdf_cards_agree_with_kpis_csv(run_dir, kpis):
    """The live Voila cockpit's cards (``kpi.summarize`` over a range) and the PDF headline
    (``kpi.headline`` of kpis.csv) give the figures the published page is tested against above:
    November 2025 of kpis.csv, to the cent."""
    from mopkit.cockpit import kpi
    from mopkit.report import _cards

    data = run_dir / "data"
    cube = kpi.prepare_cube(pd.read_parquet(data / "orders.parquet"), pd.read_parquet(data / "order_items.parquet"),
                            pd.read_parquet(data / "ad_spend.parquet"))
    live = kpi.summarize(cube, "2025-11-01", "2025-11-30").set_index("metric")["value"]
    nov = kpis[(kpis["freq"] == "M") & (kpis["period"] == "2025-11-01") & (kpis["channel"] == "all")].set_index("metric")["value"]
    for m in ("gmv", "net_sales", "orders", "buyers", "aov", "ad_spend", "roas", "ctr", "cvr", "refund_rate"):
        assert live[m] == pytest.approx(nov[m], abs=0.005), m
    # the PDF shows the last month of kpis.csv (December), formatted with kpi.format_value
    dec = kpis[(kpis["freq"] == "M") & (kpis["period"] == "2025-12-01") & (kpis["channel"] == "all")].set_index("metric")["value"]
    cards = {c["metric"]: c["value"] for c in _cards(run_dir, "zh", "CNY")}
    assert cards["gmv"] == f"¥{dec['gmv']:,.0f}" and cards["orders"] == f"{dec['orders']:,.0f}"


def test_ads_of_no_order_platform_still_count_under_all_platforms():
    """Spend rows whose platform is unknown or sold nothing are shipped (platform -1), so the
    page's all-platform ad spend is compute_kpis' total; each platform keeps its own rows."""
    from mopkit.cockpit import kpi
    from mopkit.publish.data import _daily

    rng = np.random.default_rng(3)
    days = pd.date_range("2024-01-01", periods=20)
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(100)], "customer_id": [f"c{i % 30}" for i in range(100)],
                           "order_time": rng.choice(days, 100), "amount": rng.uniform(10, 100, 100).round(2),
                           "channel": rng.choice(["douyin", "wechat"], 100), "platform": rng.choice(["tmall", "douyin"], 100)})
    ads = pd.DataFrame({"date": np.tile(days, 3), "channel": "douyin", "cost": rng.uniform(1, 10, 60).round(2),
                        "impressions": 1000, "clicks": 10, "platform": np.repeat(["tmall", "unknown", "xhs"], 20)})
    full = kpi.prepare_cube(orders, None, ads)
    lo, hi = full.day_range
    cols, _ch, platforms, unsplit = _daily(full, orders, None, ads, lo, hi)
    got = pd.DataFrame({"p": cols["p"], "ad_spend": cols["ad_spend"]}).groupby("p")["ad_spend"].sum()
    assert got.sum() == pytest.approx(ads["cost"].sum(), abs=0.01)
    assert got[platforms.index("tmall")] == pytest.approx(ads.loc[ads["platform"] == "tmall", "cost"].sum(), abs=0.01)
    assert got[-1] == pytest.approx(ads.loc[ads["platform"] != "tmall", "cost"].sum(), abs=0.01)
    assert not unsplit  # the platform column is known: tmall's ads still show under its filter
    assert sum(cols["gmv"]) == pytest.approx(orders["amount"].sum(), abs=0.01)
