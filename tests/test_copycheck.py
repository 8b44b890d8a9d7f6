"""Ad-copy check: a hand-made corpus of 75 copies with expected hits, the workbook, the CLI.

Truth: tests/data/copycheck_corpus.yaml, written by hand for these tests; every expected hit
(term, severity, exception) was decided by reading Advertising Law Art. 9(3)/17/18, the cosmetics
rules and the 2023 SAMR guide's Art. 5 exceptions, not by running the checker.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from mopkit import copycheck as CC
from mopkit.cli import main
from mopkit.errors import ConfigError, DataError

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "copycheck_corpus.yaml").read_text(encoding="utf-8"))["copies"]


def test_corpus_is_large_and_balanced():
    groups = pd.Series([c["id"][0] for c in CORPUS]).value_counts()
    assert len(CORPUS) >= 60
    assert groups["V"] >= 20 and groups["L"] >= 20 and groups["E"] >= 10 and groups["M"] >= 10 and groups["X"] >= 5


@pytest.mark.parametrize("copy", CORPUS, ids=[c["id"] for c in CORPUS])
def test_corpus_expected_hits(copy):
    hits = CC.check_text(copy["text"])
    assert [[h.term, h.severity, h.exception] for h in hits] == copy["expect"]
    for h in hits:  # the position points at the term, and every hit carries its law and a rewording
        assert copy["text"][h.start:h.end] == h.term
        assert h.entry.basis and h.entry.suggest
        assert (h.exception == "") == (h.reason == "")


def test_word_boundaries_are_what_a_substring_search_gets_wrong():
    # a plain substring search flags every look-alike; the segmenter flags none
    look_alikes = [c["text"] for c in CORPUS if c["id"].startswith("L")]
    naive = [t for t in look_alikes if any(w in t for w in ("最", "第一", "一级"))]
    assert len(naive) >= 10
    assert all(CC.check_text(t) == [] for t in naive)


def test_medical_claims_are_never_lowered_by_the_guide():
    (h,) = CC.check_text("2023年天猫类目数据：本店治疗痘痘的面霜（数据来源：天猫）")
    assert h.term == "治疗" and h.severity == "violation" and h.entry.rule == "medical"


def test_legal_basis_is_cited_in_every_term_file():
    terms = CC.default_terms()
    by_rule = {t.rule: t.basis for t in terms.terms}
    assert "第九条第（三）项" in by_rule["absolute"]
    assert "第十七条" in by_rule["medical"]
    assert "化妆品监督管理条例" in by_rule["cosmetics"] and "化妆品标签管理办法" in by_rule["cosmetics"]
    assert {e.key for e in terms.exceptions} == {"self_comparison", "usage_tip", "standard_grade", "trademark_or_name",
                                                 "award", "time_region_limited"}
    assert all("执法指南" in e.basis for e in terms.exceptions)


def test_client_extra_terms_and_trademarks(tmp_path):
    extra = tmp_path / "huayang.yaml"
    extra.write_text("rule: client\ntitle: {zh: 客户禁用词, en: Client term}\nbasis: 客户品牌规范 2024\nseverity: violation\n"
                     "terms:\n  - {term: 某竞品, suggest: 删除竞品名称}\nnames: [最美时光]\n", encoding="utf-8")
    terms = CC.load_terms([extra])
    assert [(h.term, h.severity) for h in CC.check_text("比某竞品更好用", terms)] == [("某竞品", "violation")]
    assert CC.check_text("比某竞品更好用") == []  # only with the client's file
    # 最美 inside the client's registered product name: lowered to review with the trademark reason
    (h,) = CC.check_text("最美时光精华 上新", terms)
    assert h.term.startswith("最美") and h.severity == "review" and h.exception == "trademark_or_name"
    (h,) = CC.check_text("最美时光精华 上新")
    assert h.severity == "violation"


def test_bad_term_file_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rule: x\nbasis: y\nterms:\n  - {term: 好, severity: fatal}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="severity"):
        CC.load_terms([bad])
    with pytest.raises(ConfigError, match="not found"):
        CC.load_terms([tmp_path / "missing.yaml"])


def _corpus_frame():
    return pd.DataFrame([{"id": c["id"], "platform": c["platform"], "text": c["text"]} for c in CORPUS])


def test_check_copies_workbook_highlights_hits(tmp_path):
    from openpyxl import load_workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock

    frame = _corpus_frame()
    before = frame.copy()
    res = CC.check_copies(frame)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    want = {c["id"]: ("violation" if any(e[1] == "violation" for e in c["expect"]) else "review" if c["expect"] else "ok")
            for c in CORPUS}
    assert dict(zip(res.copies["id"], res.copies["status"])) == want
    assert res.has_violation
    assert len(res.hits) == sum(len(c["expect"]) for c in CORPUS)
    (path,) = CC.write_report(res, tmp_path / "checked.xlsx")
    wb = load_workbook(path, rich_text=True)
    ws = wb["copies"]
    assert ws.max_row == len(CORPUS) + 1
    row = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert ws.cell(row["V01"], 1).fill.fgColor.rgb.endswith("F8CBAD")  # violation: red
    assert ws.cell(row["E01"], 1).fill.fgColor.rgb.endswith("FFE699")  # review: yellow
    assert ws.cell(row["L01"], 1).fill.fgColor.rgb.endswith("C6EFCE")  # ok: green
    cell = ws.cell(row["V21"], 3).value
    assert isinstance(cell, CellRichText)
    red = [b.text for b in cell if isinstance(b, TextBlock) and b.font.color.rgb.endswith("C00000")]
    assert red == ["全国第一", "最低价"]
    assert len(wb["hits"]["A"]) == len(res.hits) + 1
    csv_paths = CC.write_report(res, tmp_path / "checked.csv")
    assert len(pd.read_csv(csv_paths[0], encoding="utf-8-sig")) == len(CORPUS)
    assert len(pd.read_csv(csv_paths[1], encoding="utf-8-sig")) == len(res.hits)


def test_read_copies_gbk_chinese_headers_and_errors(tmp_path):
    p = tmp_path / "ads.csv"
    p.write_bytes("编号,平台,文案\n1,抖音,最近上新\n2,天猫,全网第一\n".encode("gbk"))
    df = CC.read_copies(p)
    assert list(df.columns) == ["id", "platform", "text"] and df["text"].tolist() == ["最近上新", "全网第一"]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no text column"):
        CC.read_copies(tmp_path / "bad.csv")
    assert CC.read_copies("就是一句文案")["text"].tolist() == ["就是一句文案"]


def test_cli_exit_codes_and_workbook(tmp_path, capsys):
    assert main(["copycheck", "全网第一的面霜"]) == 1
    assert "全网第一" in capsys.readouterr().out
    assert main(["copycheck", "最近上新的面霜"]) == 0
    assert main(["copycheck", "新品首发"]) == 0  # review only: not a failure of the pipeline
    assert main(["copycheck", str(tmp_path / "missing.csv")]) == 2
    src = tmp_path / "ads.xlsx"
    _corpus_frame().to_excel(src, index=False)
    assert main(["copycheck", str(src)]) == 1
    out = tmp_path / "ads_copycheck.xlsx"
    assert out.exists()
    clean = tmp_path / "clean.txt"
    clean.write_text("最近上新的面霜\n第一次购买送小样\n", encoding="utf-8")
    assert main(["copycheck", str(clean), "--out", str(tmp_path / "c.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig")) == 2


def test_cli_extra_terms_from_option_and_client_config(tmp_path):
    extra = tmp_path / "t.yaml"
    extra.write_text("rule: client\nbasis: 客户规范\nterms: [某竞品]\n", encoding="utf-8")
    assert main(["copycheck", "比某竞品好"]) == 0
    assert main(["copycheck", "比某竞品好", "--terms", str(extra)]) == 1
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text("client: {name: 小店, slug: tiny}\ndata:\n  orders: {path: o.csv}\n"
                                          "copycheck: {terms: [t.yaml]}\n", encoding="utf-8")
    assert main(["copycheck", "比某竞品好", "--config", str(tmp_path / "client.yaml")]) == 1


def test_findings():
    res = CC.check_copies(_corpus_frame())
    (summary, w1), (top, w2) = CC.findings(res, lang="zh")
    n_v = int((res.copies["status"] == "violation").sum())
    assert f"{n_v} 条含违规用语" in summary and 0 < w2 < w1 <= 1
    assert "「" in top
    assert CC.findings(res, lang="en")[0][0].startswith(f"{len(CORPUS)} ad copies")
