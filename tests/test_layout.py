"""The package reads one way: no import circle among mopkit modules, notebooks import packages only.

The import graph is built from the source (every ``import`` statement, also those inside
functions, since a lazy import is still a dependency a reader has to follow), so a circle added
anywhere fails here, whether or not Python would trip over it at import time.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "mopkit"


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                while t and t not in mods:  # import mopkit.clv.models as M -> that module
                    t = t.rpartition(".")[0]
                if t and t != mod:
                    graph[mod].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (c := visit(m)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (c := visit(n)):
            return c
    return None


def test_cycle_finder_finds_a_planted_circle():
    # positive control: the checker must see a circle through a lazy import
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(g) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_among_mopkit_modules():
    graph = import_graph()
    assert "mopkit.context" in graph and "mopkit.clv.value" in graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_run_machinery_layers_point_one_way():
    g = import_graph()
    assert "mopkit.run" not in g["mopkit.context"] and "mopkit.report" not in g["mopkit.context"]
    assert "mopkit.run" not in g["mopkit.report"]
    assert not {m for m in g["mopkit.layout"] if m.startswith("mopkit.")}  # the bottom imports nothing of ours


@pytest.mark.parametrize("pkg", ["clv", "cockpit", "forecast", "attribution", "mmm", "business", "triggers", "propensity"])
def test_analysis_packages_share_one_shape(pkg):
    import importlib

    mod = importlib.import_module(f"mopkit.{pkg}")
    assert callable(mod.findings), f"mopkit.{pkg} exports findings()"
    assert (PKG / pkg / "plots.py").exists()
    params = __import__("inspect").signature(mod.findings).parameters
    assert params["lang"].default == "zh" and params["lang"].kind.name == "KEYWORD_ONLY"
    assert "currency" in params


def test_notebooks_import_packages_not_deep_modules():
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        src = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
                        if c["cell_type"] == "code")
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mopkit"):
                assert node.module.count(".") <= 1 or node.module == "mopkit.context", f"{nb.name}: from {node.module}"
                assert node.module != "mopkit" or all(
                    (PKG / a.name).is_dir() or a.name in {"overview", "context"} for a in node.names), nb.name


def test_unknown_names_raise_one_error_class_everywhere():
    from mopkit.attribution import get_model
    from mopkit.clv import TransactionModel, build_audiences, rfm_scores
    from mopkit.errors import UnknownNameError
    from mopkit.forecast import make_forecaster

    import pandas as pd

    with pytest.raises(UnknownNameError, match="markov"):
        get_model("markow")
    with pytest.raises(UnknownNameError, match="seasonal_naive"):
        make_forecaster("prophet")
    with pytest.raises(UnknownNameError, match="bgnbd"):
        TransactionModel("bg").fit(pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0]}))
    with pytest.raises(UnknownNameError, match="winback"):
        build_audiences(pd.DataFrame(), names=["win_back"])
    with pytest.raises(UnknownNameError, match="quantile"):
        rfm_scores(pd.DataFrame({"recency_days": [1], "order_count": [1], "total_spend": [1.0]}), method="kmeans")


def test_a_label_registered_twice_with_other_text_is_an_error():
    from mopkit.i18n import register, t

    register({"test.layout.once": {"zh": "一", "en": "one"}})
    register({"test.layout.once": {"zh": "一", "en": "one"}})  # same text again: fine
    with pytest.raises(ValueError, match="registered twice"):
        register({"test.layout.once": {"zh": "二", "en": "two"}})
    assert t("test.layout.once", "en") == "one"


def test_readme_file_map_names_modules_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    dev = text[text.index("## Development"):]
    block = dev[dev.index("```") + 3: dev.index("```", dev.index("```") + 3)]
    import re

    for pkg in sorted(p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        assert f"{pkg}/" in block, f"README file map lacks mopkit/{pkg}/"
    for mod in sorted(p.stem for p in PKG.glob("*.py") if p.stem != "__init__"):
        assert re.search(rf"\b{mod}\b", block), f"README file map lacks mopkit/{mod}.py"
    for gone in ("clv_models", "plots_kpi", "plots_clv", "kpi.py"):
        assert gone not in block
