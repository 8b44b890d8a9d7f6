"""One theme for every mopkit chart, with a font that draws Chinese.

Nothing happens at import: :func:`apply_theme` is called by the run context (or a notebook)
and sets matplotlib's rcParams for the whole kernel: fonts, palette, sizes.
"""
from __future__ import annotations

import functools
import zlib

import matplotlib
from matplotlib import font_manager

from .errors import FontError

#: Fonts that draw Simplified Chinese, best first (Debian's fonts-noto-cjk provides the first).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
FONT_INSTALL_HINT = (
    "install a CJK font, e.g. on Debian/Ubuntu: sudo apt-get install fonts-noto-cjk "
    "(then re-run; mopkit rebuilds matplotlib's font cache itself)"
)
#: Colour-blind safe palette (Okabe–Ito), one colour per series in a fixed order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
CHANNEL_COLORS = {
    "douyin": "#000000",
    "wechat": "#009E73",
    "xiaohongshu": "#D55E00",
    "tmall": "#E69F00",
    "search": "#0072B2",
    "direct": "#999999",
    "unknown": "#CCCCCC",
}


def _installed_families() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


@functools.lru_cache(maxsize=1)
def cjk_font() -> str:
    """Name of an installed font that draws Chinese.

    matplotlib caches its font list, so a font installed after the cache was built is only seen
    after a rebuild: if none is found we rebuild once before giving up.

    Raises
    ------
    FontError
        No CJK font is installed; the message says how to install one.
    """
    for attempt in range(2):
        families = _installed_families()
        for name in CJK_FONTS:
            if name in families:
                return name
        if attempt == 0:
            font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
    raise FontError("no font that can draw Chinese characters is installed", fix=FONT_INSTALL_HINT)


def apply_theme(lang: str = "zh") -> None:
    """Set the mopkit chart theme (fonts, palette, sizes) for this process.

    A CJK font is required in both languages (channel and product names are often Chinese).
    """
    from cycler import cycler

    font = cjk_font()
    # seaborn's "whitegrid" look, set directly: importing seaborn (and scipy.stats with it) costs
    # ~2 s, which every dashboard visit would pay
    matplotlib.rcParams.update(
        {
            "axes.facecolor": "white",
            "axes.edgecolor": "#cccccc",
            "axes.grid": True,
            "axes.axisbelow": True,
            "grid.color": "#e5e5e5",
            "grid.linestyle": "-",
            "axes.prop_cycle": cycler(color=PALETTE),
            "xtick.bottom": False,
            "ytick.left": False,
            "legend.frameon": False,
            "font.family": "sans-serif",
            "font.sans-serif": [font, "DejaVu Sans"],
            "axes.unicode_minus": False,  # CJK fonts lack U+2212
            "figure.dpi": 110,
            "savefig.dpi": 200,
            "figure.figsize": (9, 4.2),
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def new_ax(ax=None, figsize=None):
    """Return ``ax`` if given, else the axes of a new figure (never pyplot's current one)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def channel_color(channel: str) -> str:
    """Fixed colour of a channel; other names get a stable colour from the palette."""
    return CHANNEL_COLORS.get(str(channel), PALETTE[zlib.crc32(str(channel).encode()) % len(PALETTE)])
