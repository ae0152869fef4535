"""The one settings class: everything configurable comes from `VITALX_*` variables."""

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Runtime configuration read from the environment (interface §7)."""

    model_config = SettingsConfigDict(env_prefix="VITALX_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'vitalx.db'}"
    signing_key_file: Path = VAR_DIR / "signing-key.pem"
    # Generating a key on first start is for development; production mounts one.
    generate_signing_key: bool = True
    token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    issuer: str = "https://vitalx.local"
    audience: str = "vitalx-api"
    public_base_url: str = "http://127.0.0.1:8000"
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    discrepancy_due_days: int = 30
    crosscheck_schedule: str = "02:00"
    # A queued or running cross-check untouched this long was left by a dead process.
    crosscheck_stale_after_seconds: int = Field(default=6 * 3600, ge=60)
    discrepancy_export_max_rows: int = Field(default=100_000, ge=1)
    timezone: str = "Asia/Shanghai"
    db_pool_size: int = 10
    # Rate limits are kept in this process unless a Redis URL shares them between processes.
    redis_url: str = ""
    # Public certificate verification: attempts per client address within a window.
    verify_rate_limit: int = Field(default=10, ge=1)
    verify_rate_window_seconds: float = Field(default=60.0, gt=0)


@cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once on first use."""
    return Settings()
