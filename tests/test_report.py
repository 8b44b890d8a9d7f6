"""Report helpers: tables without pandas' row numbers; labels exist in both languages."""
import pandas as pd
import pytest

from mopkit import i18n
from mopkit.report import drop_range_index, section_title


def test_default_row_numbers_are_dropped_but_meaningful_labels_kept():
    plain = drop_range_index(pd.DataFrame({"gmv": [1, 2, 3]}).to_html())
    assert "<th>0</th>" not in plain and "<th>2</th>" not in plain and "<th>gmv</th>" in plain
    assert plain.count("<th>") == 1  # only the column header is left
    labelled = drop_range_index(pd.DataFrame({"gmv": [1, 2]}, index=["冠军客户", "流失客户"]).to_html())
    assert "冠军客户" in labelled and "流失客户" in labelled
    shifted = drop_range_index(pd.DataFrame({"gmv": [1, 2]}, index=[1, 2]).to_html())  # ranks 1.., not 0..
    assert "<th>1</th>" in shifted


@pytest.mark.parametrize("name, zh, en", [("00_data_health", "数据体检与概览", "Data health and overview"),
                                          ("03_attribution", "多渠道归因与预算", "Channel attribution and budget")])
def test_section_titles_follow_language(name, zh, en):
    assert section_title(name, "zh") == zh and section_title(name, "en") == en


def test_every_registered_label_has_both_languages():
    import mopkit.attribution  # noqa: F401  (registers its labels)
    import mopkit.cockpit.kpi  # noqa: F401
    import mopkit.overview  # noqa: F401
    import mopkit.report  # noqa: F401

    for key, by_lang in i18n._LABELS.items():
        assert by_lang["zh"].strip() and by_lang["en"].strip(), key
    with pytest.raises(KeyError, match="no label"):
        i18n.t("no.such.label", "zh")
