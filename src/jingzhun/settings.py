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

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'jingzhun.sqlite').resolve()}"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"
