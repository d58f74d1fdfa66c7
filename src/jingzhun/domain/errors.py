"""Domain errors: a stable machine code plus a Chinese message a cadre can act on.

The web and CLI layers map codes to statuses; the code never changes once published, the
message may be improved.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A rule of the domain was broken. ``code`` is stable; ``message`` is Chinese."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
