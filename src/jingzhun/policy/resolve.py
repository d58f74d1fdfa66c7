"""``PackSet``: all known packs, checked together, and resolution for a place and a day.

Selection: among the packs in force on the day whose scope contains the division, the most
specific wins (county > prefecture > province > national). Its ``extends`` chain is then
followed by id up to the root. Ancestors are used as named, *whether or not their own window
covers the day*: a county pack for 2024 that extends ``cn-national`` means "the national
defaults plus these changes", and the national pack's window only governs where it is picked
as the most specific pack itself. Dated national wording (the 2026 rename) is picked by the
day, not by the window.

Checks made when the set is built, so a bad file fails before any screening run: unique ids,
``extends`` names a known pack and has no cycle, a child's scope lies within its parent's,
no two packs of the same scope overlap in time (POLICY_OVERLAP — otherwise which one applies
would depend on file order), and every chain merges cleanly.

Resolutions are cached: the same division and day return the same ``ResolvedPolicy`` object,
and days that select the same pack with the same wording share one object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.loader import LoadedPack, load_file
from jingzhun.policy.merge import Merged, merge_chain
from jingzhun.reference.divisions import name_of


class PackSet:
    """An immutable, validated set of packs. Build with ``jingzhun.policy.load_packs``."""

    def __init__(self, packs: Sequence[LoadedPack]) -> None:
        issues, merged = check_packs(packs)
        if issues:
            raise PolicyError.of(issues)
        self._packs = {p.id: p for p in packs}
        self._merged = merged
        self._selected: dict[tuple[str, str, dt.date, bool], ResolvedPolicy] = {}
        self._built: dict[tuple[str, tuple[tuple[str, str], ...]], ResolvedPolicy] = {}

    # --- lookup ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[LoadedPack]:
        return iter(sorted(self._packs.values(), key=lambda p: (p.spec.scope.prefix, p.spec.effective_from, p.id)))

    def __len__(self) -> int:
        return len(self._packs)

    def pack(self, pack_id: str) -> LoadedPack:
        try:
            return self._packs[pack_id]
        except KeyError:
            known = "、".join(sorted(self._packs))
            raise PolicyError("POLICY_NOT_FOUND", f"没有 id 为 {pack_id} 的政策包（已知：{known}）") from None

    def merged(self, pack_id: str) -> Merged:
        self.pack(pack_id)
        return self._merged[pack_id]

    def chain_of(self, pack_id: str) -> tuple[LoadedPack, ...]:
        """Root → ``pack_id`` (the set is checked acyclic at construction)."""
        out = [self.pack(pack_id)]
        while out[-1].spec.extends is not None:
            out.append(self._packs[out[-1].spec.extends])
        return tuple(reversed(out))

    def id_of_file(self, path: Path | str) -> str:
        """The id of the pack loaded from ``path`` (for ``--policy FILE``)."""
        target = Path(path).resolve()
        for p in self._packs.values():
            if Path(p.file).resolve() == target:
                return p.id
        raise PolicyError("POLICY_NOT_FOUND", f"政策包集合中没有来自文件 {path} 的政策包", file=str(path))

    def with_files(self, paths: Sequence[Path | str]) -> PackSet:
        """This set plus pack files; a file whose id is already known replaces that pack."""
        extra = [load_file(p) for p in paths]
        replaced = {p.id for p in extra}
        return PackSet([p for p in self._packs.values() if p.id not in replaced] + extra)

    def provinces_in_force(self, on: dt.date) -> dict[str, str]:
        """Scope code → id of the province/prefecture/county pack in force on ``on``."""
        return {p.spec.scope.prefix: p.id for p in self if p.spec.scope.level > 0 and p.spec.in_force(on)}

    # --- resolution ------------------------------------------------------------------------

    def resolve(self, division_code: str, on: dt.date) -> ResolvedPolicy:
        """The policy for a division (province/prefecture/county or longer code) on a day."""
        code = normalise_division(division_code)
        key = ("", code, on, True)
        if key not in self._selected:
            leaf = self._most_specific(code, on, within=None)
            if leaf is None:
                raise PolicyError("POLICY_NOT_FOUND", f"{_place(code)}在 {on} 没有生效的政策包")
            self._selected[key] = self._build(leaf.id, code, on, require_threshold=True)
        return self._selected[key]

    def resolve_pack(
        self, pack_id: str, division_code: str | None, on: dt.date, *, require_threshold: bool = True
    ) -> ResolvedPolicy:
        """An explicitly named pack (``--policy ID``).

        With a division: the most specific pack in force that is ``pack_id`` or extends it and
        covers the division (so ``cn-national`` for Yunnan 2024 gives ``cn-53-2024``); failing
        that, ``pack_id`` itself even outside its window — naming a pack is a deliberate
        choice, e.g. to re-run 2025 rules — but never for a division outside its scope.
        Without a division: ``pack_id`` itself.
        """
        pack = self.pack(pack_id)
        code = normalise_division(division_code) if division_code else ""
        key = (pack_id, code, on, require_threshold)
        if key in self._selected:
            return self._selected[key]
        leaf = pack
        if code:
            leaf = self._most_specific(code, on, within=pack_id) or pack
            if not pack.spec.scope.contains(code):
                where = _place(pack.spec.scope.prefix) if pack.spec.scope.prefix else "全国"
                raise PolicyError("POLICY_NOT_FOUND", f"政策包 {pack_id} 适用于{where}，不适用于{_place(code)}")
        self._selected[key] = self._build(leaf.id, code, on, require_threshold=require_threshold)
        return self._selected[key]

    def resolve_file(self, path: Path | str, division_code: str | None, on: dt.date) -> ResolvedPolicy:
        """A pack file as the leaf (``--policy FILE``), its ``extends`` taken from this set."""
        leaf = load_file(path)
        return self.with_files([path]).resolve_pack(leaf.id, division_code, on)

    def _most_specific(self, code: str, on: dt.date, within: str | None) -> LoadedPack | None:
        found = [
            p
            for p in self._packs.values()
            if p.spec.in_force(on)
            and p.spec.scope.contains(code)
            and (within is None or within in (c.id for c in self.chain_of(p.id)))
        ]
        # A pack that extends another of the same scope refines it (a what-if, a mid-year
        # correction): the deeper one in the chain wins a tie on scope.
        return max(found, key=lambda p: (p.spec.scope.level, len(self.chain_of(p.id))), default=None)

    def _build(self, leaf_id: str, code: str, on: dt.date, *, require_threshold: bool) -> ResolvedPolicy:
        merged = self._merged[leaf_id]
        missing = merged.missing_params()
        if "monitoring_threshold_fen" in missing and require_threshold:
            place = _place(code or merged.leaf.spec.scope.prefix) if (code or merged.leaf.spec.scope.prefix) else "全国"
            raise PolicyError(
                "POLICY_NO_THRESHOLD",
                f"{place}在 {on} 没有生效的监测标准（monitoring_threshold）：适用的政策包是 {leaf_id}"
                f"（{' → '.join(p.id for p in merged.chain)}），其中没有设定监测标准。"
                "请添加该省（县）该年度的政策包，写明 params.monitoring_threshold",
                field="params.monitoring_threshold",
            )
        other = [m for m in missing if m != "monitoring_threshold_fen"]
        if other:
            leaf = merged.leaf
            raise PolicyError(
                "POLICY_SCHEMA",
                f"政策包 {leaf_id} 缺少参数 {'、'.join(other)}（继承链 {' → '.join(p.id for p in merged.chain)}）",
                file=leaf.file,
                line=leaf.where.line_of(("params",)),
                field="params",
            )
        key = (leaf_id, tuple(sorted(merged.terms_on(on).items())))
        if key not in self._built:
            self._built[key] = merged.build(on)
        return self._built[key]


def normalise_division(code: str) -> str:
    """A GB/T 2260 code (2, 4, 6, 9 or 12 digits) → the prefix that scopes compare against.

    ``530000`` → ``53``, ``532300`` → ``5323``, ``532328001`` → ``532328``.
    """
    c = code.strip()
    if not c.isdigit() or len(c) not in (2, 4, 6, 9, 12):
        raise PolicyError("POLICY_NOT_FOUND", f"区划代码“{code}”无效：应为 2、4、6、9 或 12 位数字")
    c = c[:6]
    if len(c) == 6 and c.endswith("0000"):
        return c[:2]
    if len(c) == 6 and c.endswith("00"):
        return c[:4]
    return c


def _place(code: str) -> str:
    """Chinese name with the code, province first, e.g. ``云南省元谋县（532328）``."""
    province = name_of(code[:2] + "0000") or ""
    own = name_of(code.ljust(6, "0")) or "" if len(code) > 2 else ""
    name = province + (own if own != province else "")
    return f"{name}（{code}）" if name else f"区划 {code} "


def check_packs(packs: Sequence[LoadedPack]) -> tuple[list[Issue], dict[str, Merged]]:
    """Set-level checks: duplicate ids, ``extends`` targets and cycles, scopes, overlaps, chains.

    Returns the problems and, for every pack whose chain is sound, its merged chain.
    """
    issues: list[Issue] = []
    by_id: dict[str, LoadedPack] = {}
    for p in packs:
        if p.id in by_id:
            msg = f"政策包 id {p.id} 重复（另见 {by_id[p.id].file}）"
            issues.append(p.issue(("id",), "POLICY_SCHEMA", msg))
        by_id.setdefault(p.id, p)
    broken: set[str] = set()
    for p in by_id.values():
        parent_id = p.spec.extends
        if parent_id is None:
            continue
        if parent_id not in by_id:
            known = "、".join(sorted(by_id))
            issues.append(p.issue(("extends",), "POLICY_EXTENDS", f"上级政策包 {parent_id} 不存在（已知：{known}）"))
            broken.add(p.id)
            continue
        cycle = _cycle_from(p.id, by_id)
        if cycle:
            issues.append(p.issue(("extends",), "POLICY_EXTENDS", f"继承关系形成循环：{' → '.join(cycle)}"))
            broken.add(p.id)
            continue
        parent = by_id[parent_id]
        if not p.spec.scope.prefix.startswith(parent.spec.scope.prefix):
            mine, theirs = p.spec.scope.prefix or "全国", parent.spec.scope.prefix or "全国"
            msg = f"适用范围 {mine} 不在上级 {parent_id} 的范围 {theirs} 之内"
            issues.append(p.issue(("scope",), "POLICY_EXTENDS", msg))
    issues += _overlaps(list(by_id.values()))
    merged: dict[str, Merged] = {}
    for p in by_id.values():
        chain_ids = _ancestry(p.id, by_id)
        if broken & set(chain_ids):
            continue
        try:
            merged[p.id] = merge_chain(tuple(by_id[i] for i in reversed(chain_ids)))
        except PolicyError as e:
            issues += e.issues
    return list(dict.fromkeys(issues)), merged


def _ancestry(pack_id: str, by_id: dict[str, LoadedPack]) -> list[str]:
    out = [pack_id]
    while (parent := by_id[out[-1]].spec.extends) is not None and parent in by_id and parent not in out:
        out.append(parent)
    return out


def _cycle_from(pack_id: str, by_id: dict[str, LoadedPack]) -> list[str]:
    seen = [pack_id]
    current = by_id[pack_id].spec.extends
    while current is not None and current in by_id:
        if current in seen:
            return [*seen[seen.index(current) :], current] if current == pack_id else []
        seen.append(current)
        current = by_id[current].spec.extends
    return []


def _overlaps(packs: list[LoadedPack]) -> list[Issue]:
    issues: list[Issue] = []
    by_scope: dict[str, list[LoadedPack]] = {}
    for p in packs:
        by_scope.setdefault(p.spec.scope.prefix, []).append(p)
    far = dt.date.max
    for group in by_scope.values():
        group.sort(key=lambda p: (p.spec.effective_from, p.id))
        for i, later in enumerate(group):
            for earlier in group[:i]:
                if _related(later, earlier, packs):
                    continue  # a child refining its own ancestor is not a conflict
                if later.spec.effective_from <= (earlier.spec.effective_to or far):
                    # reported on both files: either may be the one the officer just edited
                    for here, other in ((later, earlier), (earlier, later)):
                        msg = (
                            f"与 {other.id}（{other.file}）适用范围相同且生效期重叠："
                            f"{here.spec.effective_from}～{here.spec.effective_to or '长期'} 与 "
                            f"{other.spec.effective_from}～{other.spec.effective_to or '长期'}"
                        )
                        issues.append(here.issue(("effective_from",), "POLICY_OVERLAP", msg))
    return issues


def _related(a: LoadedPack, b: LoadedPack, packs: list[LoadedPack]) -> bool:
    """Whether one pack extends the other, directly or through its ancestors."""
    by_id = {p.id: p for p in packs}

    def ancestors(p: LoadedPack) -> set[str]:
        out: set[str] = set()
        current = p.spec.extends
        while current is not None and current in by_id and current not in out:
            out.add(current)
            current = by_id[current].spec.extends
        return out

    return b.id in ancestors(a) or a.id in ancestors(b)
