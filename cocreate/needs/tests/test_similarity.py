"""Similar-need suggestions and clustering for Chinese text (similarity.py)."""

from dataclasses import dataclass

import pytest

from cocreate.needs import similarity


@dataclass
class Item:
    text: str


def test_street_light_needs_read_alike():
    assert similarity.score("小区路灯坏了", "我们小区的路灯晚上不亮") >= similarity.SIMILAR_THRESHOLD


@pytest.mark.parametrize("other", ["楼道堆放杂物", "想申请助老餐", "希望增加停车位", "下水道堵了"])
def test_unrelated_needs_do_not(other):
    assert similarity.score("小区路灯坏了", other) < similarity.SIMILAR_THRESHOLD


def test_score_is_symmetric_and_bounded():
    a, b = "小区路灯坏了", "我们小区的路灯晚上不亮"
    assert similarity.score(a, b) == pytest.approx(similarity.score(b, a))
    assert similarity.score(a, a) == pytest.approx(1.0)
    assert similarity.score(a, "") == 0.0


def test_rank_similar_finds_the_match_first_and_leaves_out_the_rest():
    candidates = [Item("楼道堆放杂物"), Item("我们小区的路灯晚上不亮"), Item("想申请助老餐")]
    hits = similarity.rank_similar("小区路灯坏了", candidates)
    assert [c.text for _score, c in hits] == ["我们小区的路灯晚上不亮"]


def test_terms_drop_words_that_carry_no_meaning():
    words = similarity.terms("我们小区的路灯晚上不亮").split()
    assert "路灯" in words and "小区" in words
    assert not {"我们", "的"} & set(words)


def test_cluster_groups_similar_needs_in_the_order_given():
    items = [Item(t) for t in (
        "小区路灯坏了", "楼道堆放杂物", "我们小区的路灯晚上不亮", "想申请助老餐", "楼道里杂物太多")]
    groups = similarity.cluster(items)
    assert [[i.text for i in g] for g in groups] == [
        ["小区路灯坏了", "我们小区的路灯晚上不亮"],
        ["楼道堆放杂物", "楼道里杂物太多"],
        ["想申请助老餐"],
    ]


def test_cluster_of_nothing_is_empty():
    assert similarity.cluster([]) == []
