"""Policy as data: YAML policy packs → ``domain.policy.ResolvedPolicy`` for a place and a day.

``load_packs()`` reads the shipped packs (national defaults, provinces, counties) plus any
user files; ``PackSet.resolve(division_code, on)`` picks the most specific pack in force,
merges its ``extends`` chain and returns integer-only parameters, parsed rules and a content
hash. Format and procedure for policy officers: ``docs/policy-guide.md``.
"""

from __future__ import annotations

from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.loader import LoadedPack, load_file
from jingzhun.policy.registry import load_packs, validate_files
from jingzhun.policy.resolve import PackSet, normalise_division

__all__ = [
    "Issue",
    "LoadedPack",
    "PackSet",
    "PolicyError",
    "load_file",
    "load_packs",
    "normalise_division",
    "validate_files",
]
