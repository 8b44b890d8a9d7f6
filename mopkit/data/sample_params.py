"""The sample merchant's planted constants: read by the generator (:mod:`mopkit.data.sample`) and by
the truth it records (:mod:`mopkit.data.sample_truth`), so neither imports the other."""
from __future__ import annotations

VERSION = 2  # 2: ad spend drives first purchases (sample_mmm)
#: BG/NBD parameters (time unit: days of operational time).
BGNBD = {"r": 0.4, "alpha": 80.0, "a": 0.9, "b": 4.0}
#: Gamma-Gamma parameters (CNY).
GAMMA_GAMMA = {"p": 5.0, "q": 4.0, "gamma": 120.0}
ACQUISITION_GROWTH = 0.6  # acquisition density in operational time grows linearly by 60% over the window
REFUND_RATE, CANCEL_RATE = 0.03, 0.02  # shares of all order rows
PARTIAL_REFUND_SHARE = 0.2
TRACKED_SHARE = 0.65  # share of paid orders with a tracked converting journey
BUYER_NULL_SHARE = 0.25  # share of non-converting journeys that belong to buyers (after their last order)
LOOKBACK_DAYS = 30
#: Channel of orders without a tracked journey (and of refunded / cancelled rows).
UNTRACKED_CHANNEL_MIX = {"douyin": 0.35, "tmall": 0.25, "wechat": 0.20, "xiaohongshu": 0.12, "search": 0.08}
EVENT_ORDER_SHARE = 0.25  # share of paid orders preceded by browse events
PROSPECT_EVENT_SHARE = 0.20
