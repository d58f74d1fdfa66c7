from jingzhun.domain.categories import DEFAULT_RISK_TYPES, MAX_RISKS_PER_CASE, MonitoringCategory, risk_table
from jingzhun.domain.vocab import LaborCapacity, Relation, accepted_values, aliases


def test_three_categories_with_chinese_labels():
    assert [c.label for c in MonitoringCategory] == ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]


def test_risk_table_codes_are_unique_and_grouped():
    table = risk_table()
    assert len(table) == len(DEFAULT_RISK_TYPES)
    assert table["0203"].group == "02" and table["01"].label == "因病"
    assert MAX_RISKS_PER_CASE == 5


def test_vocabulary_accepts_chinese_labels_and_variants():
    rel = aliases(Relation)
    assert rel["户主"] == "head" and rel["之子"] == "child" and rel["head"] == "head"
    assert "none(无劳动力)" in accepted_values(LaborCapacity)
