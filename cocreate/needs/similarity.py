"""Similar-need suggestions for Chinese text: jieba words plus character bigrams, so that
「小区路灯坏了」 finds 「我们小区的路灯晚上不亮」 while typing (issue: 决策共谋)."""

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
# Words residents use that jieba's general dictionary splits badly (路灯不亮 → 路 + 灯不亮).
for _word in ("路灯", "不亮", "楼道灯", "垃圾桶", "下水道", "化粪池", "停车位", "电动车", "充电桩", "健身器材"):
    jieba.add_word(_word)
jieba.del_word("灯不亮")  # a dictionary entry that swallows 路灯 in 路灯不亮

# Words that carry no meaning for matching needs; kept short on purpose: a long list would
# drop words residents use to tell needs apart (不亮 vs 太亮).
_STOPWORD_TEXT = (
    "的 了 和 是 在 我 我们 你 你们 他 他们 她 它 这 那 这个 那个 有 也 就 都 还 很 太 吧 啊 呢 吗 呀 "
    "一个 一些 什么 怎么 能不能 可以 希望 请 帮忙 帮 一下 问题 情况 现在 经常 总是 老是 非常"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_NOT_HAN_OR_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")
WORD_WEIGHT = 0.7
SIMILAR_THRESHOLD = 0.3


@lru_cache(maxsize=20_000)  # bounded: a long-running worker sees every need of the county
def _words(text: str) -> frozenset[str]:
    cleaned = _NOT_HAN_OR_WORD.sub(" ", text.lower())
    return frozenset(w for w in jieba.lcut_for_search(cleaned) if w.strip() and w not in STOPWORDS)


@lru_cache(maxsize=20_000)
def _bigrams(text: str) -> frozenset[str]:
    chars = _NOT_HAN_OR_WORD.sub("", text.lower())
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def terms(text: str) -> str:
    """The words stored with a need, space-separated, for cheap comparison later."""
    return " ".join(sorted(_words(text)))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def score(text_a: str, text_b: str) -> float:
    """0 … 1: how alike two needs read."""
    return WORD_WEIGHT * _dice(_words(text_a), _words(text_b)) + (1 - WORD_WEIGHT) * _dice(
        _bigrams(text_a), _bigrams(text_b)
    )


def rank_similar(text: str, candidates: list, *, key=lambda c: c.text, limit: int = 5,
                 threshold: float = SIMILAR_THRESHOLD) -> list[tuple[float, object]]:
    """The candidates that read like `text`, best first."""
    scored = [(score(text, key(c)), c) for c in candidates]
    hits = [(s, c) for s, c in scored if s >= threshold]
    hits.sort(key=lambda pair: -pair[0])
    return hits[:limit]


def cluster(items: list, *, key=lambda c: c.text, threshold: float = SIMILAR_THRESHOLD) -> list[list]:
    """Group items whose texts read alike (single link), in the order given: the first item of
    each group is its representative. Used for a community's 最大公约数 view."""
    groups: list[list] = []
    for item in items:
        for group in groups:
            if any(score(key(item), key(other)) >= threshold for other in group):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups
