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
    # A running cross-check whose worker has not beaten its heart for this long was left
    # by a dead process: another worker takes it over (after `crosscheck_max_attempts`
    # tries, it is failed instead). Workers beat every `crosscheck_heartbeat_seconds` and
    # look for queued runs every `crosscheck_poll_seconds`.
    crosscheck_stale_after_seconds: int = Field(default=120, ge=2)
    crosscheck_heartbeat_seconds: float = Field(default=10.0, gt=0)
    crosscheck_poll_seconds: float = Field(default=2.0, gt=0)
    crosscheck_max_attempts: int = Field(default=3, ge=1)
    # The worker's CPU niceness (0-19; raised to it at start, never lowered), so that the
    # API's processes get the CPU first. Off by default: a niced worker is starved while it
    # holds locks the API waits for (docs/architecture.md, bench/README.md).
    crosscheck_worker_nice: int = Field(default=0, ge=0, le=19)
    discrepancy_export_max_rows: int = Field(default=100_000, ge=1)
    timezone: str = "Asia/Shanghai"
    db_pool_size: int = 10
    # Rate limits are kept in this process unless a Redis URL shares them between processes.
    redis_url: str = ""
    # Public certificate verification: attempts per client address within a window.
    verify_rate_limit: int = Field(default=10, ge=1)
    verify_rate_window_seconds: float = Field(default=60.0, gt=0)
    # TrueType font files for certificates, most preferred first (comma- or colon-separated);
    # empty: Debian's fonts-hanazono (HanaMinA, then HanaMinB for Extensions B to F).
    certificate_fonts: str = ""
    # Other limits, each per `rate_window_seconds`: token requests per client address and
    # per username or client_id (a successful login gives the account's allowance back);
    # ID look-ups and list pages (a page of `limit` items counts limit/50) per client, and
    # both together per client address.
    rate_window_seconds: float = Field(default=60.0, gt=0)
    token_rate_limit_per_address: int = Field(default=60, ge=1)
    token_rate_limit_per_account: int = Field(default=10, ge=1)
    lookup_rate_limit: int = Field(default=120, ge=1)
    list_rate_limit: int = Field(default=120, ge=1)
    read_rate_limit_per_address: int = Field(default=1200, ge=1)
    # `/metrics` answers an admin's access token, or this static bearer token when set
    # (for a Prometheus scraper; at least 32 characters).
    metrics_bearer_token: str = Field(default="", pattern=r"^(|.{32,})$")


@cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once on first use."""
    return Settings()
