"""What a notebook sees: the sample is announced loudly; fallbacks are written and shown."""
import json

import pytest

from conftest import salted


def test_empty_run_dir_says_it_is_the_sample_and_fallbacks_are_recorded(tmp_path, monkeypatch):
    from mopkit import context
    from mopkit.fallbacks import Fallback
    from mopkit.run import prepare_run

    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    run = prepare_run(tmp_path / "client.yaml", tmp_path / "runs")
    monkeypatch.setattr(context, "_sample_run", lambda: run)  # stands in for preparing the bundled sample
    with pytest.warns(context.SampleDataWarning, match="BUNDLED SAMPLE"):
        ctx = context.open_run("", theme=False)
    assert ctx.sample
    assert not context.open_run(run, theme=False).sample  # a real run folder: no warning, not the sample
    note = ctx.note_fallback(Fallback("plan A", "it broke", "plan B"), section="x")
    assert "plan A" in note.data and "plan B" in note.data
    saved = json.loads((run / "outputs" / "fallbacks" / "x.json").read_text(encoding="utf-8"))
    assert saved[0]["tried"] == "plan A" and saved[0]["reason"] == "it broke" and saved[0]["used"] == "plan B"
