"""Synthetic Chinese names for people, townships and villages.

Why synthetic and why these lists: the data must look familiar to a cadre (common surnames in
roughly their real frequency order, ordinary given-name characters, place names built from
syllables common in south-western place names such as 甸, 哨, 营) while naming nobody real.
Everything is chosen by index from the lists below, so a name is a pure function of the
random stream.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jingzhun.synth.text import pick

# The 100 most common surnames, most frequent first (Ministry of Public Security ranking).
SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤"
)
MALE_CHARS: tuple[str, ...] = tuple("伟强军勇杰涛明刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国荣文志永海兵成东福贵富")
FEMALE_CHARS: tuple[str, ...] = tuple("芳娜敏静丽艳娟霞秀英华玲桂兰萍红梅琳燕丹婷雪慧颖倩琴云莲凤花珍玉美娇芬")
PLACE_SYLLABLES: tuple[str, ...] = tuple(
    "龙凤金银石马牛羊河山平安新丰和兴仁义德福东西南北中上下黄白青花果林竹松柏水田坝坡湾沟岭营庄寨哨甸塘桥"
)
TOWNSHIP_SUFFIX = {1: "镇", 2: "乡"}
VILLAGE_SUFFIX = "村"

# Zipf-like weights: the most common surname (王) is ~7% of people, the 100th ~0.2%.
_SURNAME_WEIGHTS = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.75
_SURNAME_P = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
TWO_CHAR_GIVEN_NAME = 0.6  # share of given names with two characters


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surname indices into :data:`SURNAMES`, drawn by frequency."""
    return rng.choice(len(SURNAMES), size=n, p=_SURNAME_P).astype(np.int16)


def person_names(rng: np.random.Generator, surname: np.ndarray, male: np.ndarray) -> pl.Series:
    """Full names: the surname, then one or two characters from the list for the person's sex."""
    n = len(surname)
    first = _given_char(rng, male)
    second = _given_char(rng, male)
    two = rng.random(n) < TWO_CHAR_GIVEN_NAME
    chars = pl.Series(list(MALE_CHARS) + list(FEMALE_CHARS), dtype=pl.String)
    frame = pl.DataFrame(
        {
            "s": pick(SURNAMES, surname, "s"),
            "a": chars.gather(first),
            "b": chars.gather(second),
            "two": two,
        }
    )
    return frame.select(
        pl.concat_str([pl.col("s"), pl.col("a"), pl.when(pl.col("two")).then(pl.col("b")).otherwise(pl.lit(""))]).alias(
            "name"
        )
    ).to_series()


def _given_char(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Index into MALE_CHARS + FEMALE_CHARS by sex."""
    m = rng.integers(0, len(MALE_CHARS), size=len(male))
    f = rng.integers(0, len(FEMALE_CHARS), size=len(male)) + len(MALE_CHARS)
    return np.where(male, m, f)


def place_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct two-syllable place stems (e.g. 龙甸), unique within one call."""
    k = len(PLACE_SYLLABLES)
    if n > k * (k - 1):
        raise ValueError("too many place names requested for the syllable list")
    picks: list[str] = []
    seen: set[str] = set()
    # One draw per name with rejection of repeats: place counts are hundreds per county, so
    # this loop is per division, not per person.
    while len(picks) < n:
        a, b = rng.integers(0, k, size=2)
        stem = PLACE_SYLLABLES[a] + PLACE_SYLLABLES[b]
        if a != b and stem not in seen:
            seen.add(stem)
            picks.append(stem)
    return picks
