"""Configuration from environment variables: one ``Settings`` object (pydantic-settings).

The embedded default needs no server: a SQLite file under ``JINGZHUN_DATA_DIR`` (default
``./var``). Production points ``JINGZHUN_DATABASE_URL`` at PostgreSQL, e.g.
``postgresql+psycopg://jingzhun@db/jingzhun``. Secrets may come from ``*_FILE`` variables.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JINGZHUN_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="where the embedded store and reports live")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    # Login and sessions (等保 2.0 level 3: lockout after repeated failures, idle timeout).
    max_failed_logins: int = Field(default=5, ge=1, description="failed logins in a row before the lock")
    lockout_minutes: int = Field(default=15, ge=1, description="how long an account stays locked")
    idle_timeout_minutes: int = Field(default=30, ge=1, description="a session unused this long ends")
    session_hours: int = Field(default=12, ge=1, description="a session ends this long after login at the latest")
    session_touch_seconds: int = Field(
        default=60, ge=0, description="a session's last use is written at most this often (idle clock's step)"
    )
    cookie_secure: bool = Field(default=True, description="send the session cookie over HTTPS only")
    audit_reads_durable: bool = Field(
        default=True,
        description="a read's audit event waits for the disk (PostgreSQL); false: it may be lost if the "
        "database server crashes within a second (decision 0010)",
    )
    db_pool_size: int = Field(
        default=10, ge=1, description="store connections each process keeps open (and never exceeds)"
    )
    host: str = Field(default="127.0.0.1", description="address `jingzhun serve` listens on")
    port: int = Field(default=8000, description="port `jingzhun serve` listens on")
    # Uploaded documents and photos (入户核实 forms, signed consents): size cap and the types
    # accepted, judged by the file's own bytes, never by the name or the browser's header.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="largest file accepted")
    attachment_types: frozenset[str] = Field(
        default=frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"}),
        description="content types accepted, as sniffed from the bytes",
    )
    # A photo is decoded to strip its metadata (decision 0008): refuse one that declares more
    # pixels than this before decoding it (a few bytes of PNG can declare billions). At most
    # Pillow's own bomb limit, which applies underneath anyway.
    attachment_max_pixels: int = Field(
        default=40_000_000, ge=1, le=89_478_485, description="most pixels (width × height) a photo may have"
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'jingzhun.sqlite').resolve()}"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"
