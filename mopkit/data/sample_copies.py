"""The sample merchant's ad copies for this month (``ad_copies.csv``), checked by ``mopkit copycheck``
and by notebook 08. Fixed text, no randomness: a few compliant copies, a few with absolute terms
or medical claims, and a few that fit an exception of the 2023 SAMR guide."""
from __future__ import annotations

import io

import pandas as pd

COPIES = [
    ("A01", "抖音", "花漾玻尿酸面霜，全网第一的补水神器，今晚直播间立减50元"),
    ("A02", "抖音", "最近上新的樱花精华，第一次购买送旅行装"),
    ("A03", "小红书", "药妆级修护，三天根治泛红"),
    ("A04", "小红书", "油皮亲妈！控油不假滑，夏天也清爽"),
    ("A05", "天猫", "2025年双11天猫面霜类目销量第一（数据来源：天猫生意参谋）"),
    ("A06", "天猫", "品牌史上最轻薄的一代气垫，持妆一整天"),
    ("A07", "微信小程序", "会员日全场八折，满199元包邮"),
    ("A08", "微信小程序", "最佳使用时间为晚间洁面后，配合按摩吸收更好"),
    ("A09", "抖音", "顶级原料，敏感肌首选"),
    ("A10", "小红书", "新品首发，限量1000套"),
    ("A11", "天猫", "The best cushion you will ever try"),
    ("A12", "抖音", "温和清洁，适合每天使用"),
]


def ad_copies_csv() -> bytes:
    """``ad_copies.csv``: UTF-8 with BOM, Chinese headers 编号 / 平台 / 文案."""
    df = pd.DataFrame(COPIES, columns=["编号", "平台", "文案"])
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8-sig")
