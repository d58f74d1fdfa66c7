"""Policy errors that say where: file, line and field, a stable code, and a Chinese message.

A provincial policy officer edits a YAML pack by hand; an error they cannot locate is an error
they cannot fix. Every problem found while loading, validating or resolving packs is an
``Issue`` printed as ``FILE:LINE: field: CODE message`` (the compiler convention editors and
CI logs understand). ``PolicyError`` carries one or more issues; its ``code`` is the first one's.

Stable codes: POLICY_YAML, POLICY_SCHEMA, RULE_EXPRESSION, RULE_UNKNOWN_NAME, POLICY_EXTENDS,
POLICY_OVERLAP, POLICY_NO_THRESHOLD, POLICY_NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jingzhun.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in one place of one pack file."""

    code: str
    message: str
    file: str = ""
    line: int | None = None
    field: str = ""

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.field:
            parts.append(self.field)
        parts.append(f"{self.code} {self.message}")
        return ": ".join(parts)


class PolicyError(DomainError):
    """A pack could not be loaded or resolved. ``issues`` lists every problem found."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str = "",
        line: int | None = None,
        field: str = "",
        issues: Sequence[Issue] = (),
    ) -> None:
        own = Issue(code, message, file, line, field)
        self.issues: tuple[Issue, ...] = tuple(issues) or (own,)
        super().__init__(code, message, field=field or None)
        self.file = file
        self.line = line
        # str(err) reads like the first issue, with the location, so logs are actionable
        self.args = ("\n".join(str(i) for i in self.issues),)

    @classmethod
    def of(cls, issues: Sequence[Issue]) -> PolicyError:
        first = issues[0]
        return cls(first.code, first.message, file=first.file, line=first.line, field=first.field, issues=issues)

    def __str__(self) -> str:
        return str(self.args[0])
