"""A pack that extends another of the same scope refines it; it is not an overlap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jingzhun.policy import load_packs
from jingzhun.policy.errors import PolicyError

WHAT_IF = """
id: what-if-yunnan
version: "1"
title: 假设云南2026年标准提高到9,000元
extends: cn-53-2026
scope: {province: "53"}
effective_from: 2026-01-01
effective_to: 2026-12-31
params:
  monitoring_threshold: {amount_yuan: 9000}
"""

SIBLING = WHAT_IF.replace("what-if-yunnan", "rival-yunnan").replace("extends: cn-53-2026", "extends: cn-national")


def test_a_same_scope_child_wins_over_its_parent(tmp_path: Path):
    f = tmp_path / "what-if.yaml"
    f.write_text(WHAT_IF, "utf-8")
    packs = load_packs([f])
    p = packs.resolve("532328000000", dt.date(2026, 6, 1))
    assert p.policy_id == "what-if-yunnan" and p.monitoring_threshold_fen == 900_000
    assert p.chain == ("cn-national", "cn-53-2026", "what-if-yunnan")


def test_two_unrelated_packs_of_one_scope_and_time_still_conflict(tmp_path: Path):
    f = tmp_path / "rival.yaml"
    f.write_text(SIBLING, "utf-8")
    with pytest.raises(PolicyError) as e:
        load_packs([f])
    assert e.value.code == "POLICY_OVERLAP"
