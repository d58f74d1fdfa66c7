"""Where packs come from: the packs shipped with the package, plus user files and directories.

Shipped packs live in ``jingzhun/policy/packs/*.yaml`` and are read through
``importlib.resources`` (so they work from a wheel too) once per process. A deployment adds
its own packs with ``extra`` paths (files, or directories of ``*.yaml``/``*.yml``). A user
pack whose ``id`` equals a shipped one *replaces* it — the way to correct a shipped value
(e.g. the provisional ``cn-53-2026``) before a new release; any other id is added. Two user
files with the same id are an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.loader import LoadedPack, load_file, load_text
from jingzhun.policy.resolve import PackSet, check_packs

PACK_SUFFIXES = (".yaml", ".yml")


@cache
def shipped_packs() -> tuple[LoadedPack, ...]:
    """The packs in ``jingzhun/policy/packs``; a broken shipped pack is a release bug and raises."""
    root = resources.files("jingzhun.policy").joinpath("packs")
    loaded: list[LoadedPack] = []
    issues: list[Issue] = []
    for entry in sorted(root.iterdir(), key=lambda t: t.name):
        if entry.is_file() and entry.name.endswith(PACK_SUFFIXES):
            try:
                loaded.append(load_text(entry.read_text(encoding="utf-8"), str(entry)))
            except PolicyError as e:
                issues += e.issues
    if issues:
        raise PolicyError.of(issues)
    return tuple(loaded)


@cache
def _shipped_set() -> PackSet:
    return PackSet(shipped_packs())


def expand(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; directories → their ``*.yaml``/``*.yml`` files, sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.suffix in PACK_SUFFIXES)
        elif p.is_file():
            out.append(p)
        else:
            raise PolicyError("POLICY_NOT_FOUND", f"找不到政策包文件或目录：{p}", file=str(p))
    return out


def load_packs(extra: Sequence[Path | str] = ()) -> PackSet:
    """The shipped packs plus ``extra`` files/directories, validated together.

    Raises ``PolicyError`` listing every problem (file, line, field) if any pack is invalid.
    """
    if not extra:
        return _shipped_set()
    loaded, issues = collect(expand(extra))
    if issues:
        raise PolicyError.of(issues)
    return PackSet(combine(loaded))


def combine(user: Sequence[LoadedPack]) -> list[LoadedPack]:
    """Shipped packs with user packs of the same id replaced by the user's."""
    replaced = {p.id for p in user}
    return [p for p in shipped_packs() if p.id not in replaced] + list(user)


def collect(files: Iterable[Path]) -> tuple[list[LoadedPack], list[Issue]]:
    """Load each file, keeping going after a bad one so every problem is reported."""
    loaded: list[LoadedPack] = []
    issues: list[Issue] = []
    for f in files:
        try:
            loaded.append(load_file(f))
        except PolicyError as e:
            issues += e.issues
    return loaded, issues


def validate_files(paths: Sequence[Path | str]) -> list[Issue]:
    """Every problem of the given files, alone and together with the shipped packs."""
    loaded, issues = collect(expand(paths))
    set_issues, _ = check_packs(combine(loaded))
    return list(dict.fromkeys(issues + set_issues))
