"""Charts of the propensity step. Each takes a result and an optional ``ax`` and returns the ax."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from ..i18n import register, t
from ..plotting import PALETTE, new_ax
from .labels import feature_label, model_label

LABELS = {
    "propensity.plot.roc": {"zh": "ROC 曲线（检验窗口）", "en": "ROC curves (test window)"},
    "propensity.plot.fpr": {"zh": "误报率", "en": "False positive rate"},
    "propensity.plot.tpr": {"zh": "命中率（召回）", "en": "True positive rate (recall)"},
    "propensity.plot.pr": {"zh": "精确率-召回率曲线（检验窗口）", "en": "Precision-recall curves (test window)"},
    "propensity.plot.precision": {"zh": "精确率", "en": "Precision"},
    "propensity.plot.lift": {"zh": "各十分位的提升度（1 = 得分最高的 10%）", "en": "Lift by decile (1 = top 10% by score)"},
    "propensity.plot.calibration": {"zh": "校准曲线：预测概率与实际比例", "en": "Reliability: predicted vs observed rate"},
    "propensity.plot.predicted": {"zh": "预测概率", "en": "Predicted probability"},
    "propensity.plot.observed": {"zh": "实际比例", "en": "Observed rate"},
    "propensity.plot.perfect": {"zh": "完美校准", "en": "Perfectly calibrated"},
    "propensity.plot.importance": {"zh": "特征重要性（打乱后 PR-AUC 下降）", "en": "Feature importance (PR-AUC drop when shuffled)"},
}
register(LABELS)


def _legend(task, name, lang, key):
    return f"{model_label(name, lang)} ({task.metrics.loc[name, key]:.3f})"


def plot_roc(task, lang: str = "zh", ax=None):
    """ROC curve of every model on the test window (AUC in the legend)."""
    ax = new_ax(ax, figsize=(5.5, 4.5))
    for i, (name, s) in enumerate(task.test_scores.items()):
        fpr, tpr, _ = roc_curve(task.test_y, s)
        ax.plot(fpr, tpr, color=PALETTE[i % len(PALETTE)], lw=2 if name == task.chosen else 1.2,
                label=_legend(task, name, lang, "roc_auc"))
    ax.plot([0, 1], [0, 1], color="#999", lw=0.8, ls="--")
    ax.set(title=t("propensity.plot.roc", lang), xlabel=t("propensity.plot.fpr", lang), ylabel=t("propensity.plot.tpr", lang))
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_pr(task, lang: str = "zh", ax=None):
    """Precision-recall curve of every model on the test window (PR-AUC in the legend)."""
    ax = new_ax(ax, figsize=(5.5, 4.5))
    for i, (name, s) in enumerate(task.test_scores.items()):
        prec, rec, _ = precision_recall_curve(task.test_y, s)
        ax.plot(rec, prec, color=PALETTE[i % len(PALETTE)], lw=2 if name == task.chosen else 1.2,
                label=_legend(task, name, lang, "pr_auc"))
    ax.axhline(float(np.mean(task.test_y)), color="#999", lw=0.8, ls="--")
    ax.set(title=t("propensity.plot.pr", lang), xlabel=t("propensity.plot.tpr", lang),
           ylabel=t("propensity.plot.precision", lang), ylim=(0, 1.02))
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_lift(task, lang: str = "zh", ax=None):
    """The chosen model's lift by decile on the test window."""
    ax = new_ax(ax, figsize=(7, 3.8))
    lt = task.lift
    ax.bar(lt["decile"].astype(str), lt["lift"], color=PALETTE[0])
    ax.axhline(1.0, color="#999", lw=0.8, ls="--")
    for x, y in zip(range(len(lt)), lt["lift"]):
        ax.text(x, y, f"{y:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set(title=t("propensity.plot.lift", lang), xlabel=t("propensity.col.decile", lang), ylabel=t("propensity.col.lift", lang))
    return ax


def plot_calibration(task, lang: str = "zh", ax=None):
    """Reliability curve of every model (quantile bins)."""
    ax = new_ax(ax, figsize=(5.5, 4.5))
    top = 0.0
    for i, (name, rel) in enumerate(task.reliability.items()):
        ax.plot(rel["predicted"], rel["observed"], marker="o", ms=3, color=PALETTE[i % len(PALETTE)],
                lw=2 if name == task.chosen else 1.2, label=model_label(name, lang))
        top = max(top, float(rel["predicted"].max()), float(rel["observed"].max()))
    ax.plot([0, top], [0, top], color="#999", lw=0.8, ls="--", label=t("propensity.plot.perfect", lang))
    ax.set(title=t("propensity.plot.calibration", lang), xlabel=t("propensity.plot.predicted", lang),
           ylabel=t("propensity.plot.observed", lang))
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_importance(task, lang: str = "zh", top: int = 10, ax=None):
    """Permutation importance of the explained model's top features."""
    ax = new_ax(ax, figsize=(7, 4))
    imp = task.importance.head(top).iloc[::-1]
    ax.barh([feature_label(f, lang) for f in imp["feature"]], imp["importance"], xerr=imp["std"], color=PALETTE[1])
    ax.set(title=t("propensity.plot.importance", lang), xlabel="PR-AUC")
    return ax
