"""Service settings from the environment. Development defaults are refused outside embedded mode.

Embedded development mode (`carbonlabel demo`, `carbonlabel serve --dev`) keeps everything under
CARBONLABEL_HOME: a SQLite file, a signing key created on first start, links to 127.0.0.1.
Production (`carbonlabel serve`) must be told where its database, public address and signing key
are, because several instances share them; silently inventing any of them would issue
certificates nobody else can verify.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from api.errors import InsecureConfiguration
from lcidb.home import carbonlabel_home

DATABASE_URL_ENV = "CARBONLABEL_DATABASE_URL"
PUBLIC_URL_ENV = "CARBONLABEL_PUBLIC_URL"
SIGNING_KEY_ENV = "CARBONLABEL_SIGNING_KEY"
ISSUER_ENV = "CARBONLABEL_ISSUER"
# earlier signing keys (PEM public keys, os.pathsep-separated) whose certificates still verify
VERIFY_KEYS_ENV = "CARBONLABEL_VERIFY_KEYS"
CERTIFICATION_BODY_ENV = "CARBONLABEL_CERTIFICATION_BODY"
ACCREDITATION_NUMBER_ENV = "CARBONLABEL_ACCREDITATION_NUMBER"
LOGIN_MAX_FAILURES_ENV = "CARBONLABEL_LOGIN_MAX_FAILURES"
# key ids (comma-separated) of issued certificates the operator knowingly serves without a public
# key: the service starts, and their verification pages show the red status "unknown_key"
ACCEPT_UNKNOWN_KEYS_ENV = "CARBONLABEL_ACCEPT_UNKNOWN_KEYS"
# "1"/"true": webhook subscribers on loopback addresses are allowed (tests, development); never in production
WEBHOOK_ALLOW_LOOPBACK_ENV = "CARBONLABEL_WEBHOOK_ALLOW_LOOPBACK"
# origins (comma-separated, or "*") allowed to read the public verification JSON from a browser
CORS_ORIGINS_ENV = "CARBONLABEL_CORS_ORIGINS"
# where evidence files of label applications are stored (a folder; when API workers run on several
# machines, a shared mount every instance reaches); default $CARBONLABEL_HOME/evidence
EVIDENCE_DIR_ENV = "CARBONLABEL_EVIDENCE_DIR"
EVIDENCE_MAX_BYTES_ENV = "CARBONLABEL_EVIDENCE_MAX_BYTES"
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024  # one evidence file: 20 MiB

DEV_HOST = "127.0.0.1"
DEV_PORT = 8000


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    public_url: str
    signing_key_path: Path
    embedded: bool
    issuer: str = "carbonlabel certification service"
    token_ttl_seconds: int = 3600
    max_upload_bytes: int = 2 * 1024 * 1024
    verify_key_paths: tuple[Path, ...] = ()
    # --- trust workflow (docs/service.md "Security model") ---
    # sign-in throttle: this many failures per (identifier, client address) within the window -> 429
    login_max_failures: int = 5
    login_window_seconds: int = 900
    # the certification body named on certificates, and its accreditation number
    certification_body: str = ""  # empty: the issuer
    accreditation_number: str = ""
    # tiers whose approval needs a second certifier (four eyes)
    four_eyes_tiers: tuple[str, ...] = ("T3",)
    # heavy work: inputs above the inline limit run as jobs; above the hard limit they are refused (413)
    cbam_inline_lines: int = 500
    cbam_max_lines: int = 20000
    monte_carlo_inline_iterations: int = 1000
    monte_carlo_max_iterations: int = 100000
    # run the job worker as a thread inside the server process (embedded / demo mode)
    embedded_worker: bool = False
    accept_unknown_key_ids: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    # evidence files: the store's folder (None: home / "evidence") and the size limit of one file
    evidence_dir: Path | None = None
    evidence_max_bytes: int = EVIDENCE_MAX_BYTES

    @property
    def evidence_folder(self) -> Path:
        return self.evidence_dir or self.home / "evidence"

    # CARBONLABEL_PUBLIC_URL was given (not the development default): behind a proxy the browser's
    # Origin is this address, not the Host header the proxy forwards (api/web/sessions.py)
    public_url_configured: bool = False

    # webhook URLs on loopback are refused unless this is set (api/usecases/webhook_urls.py)
    webhook_allow_loopback: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    # SQLAlchemy's bare "postgresql://" means psycopg2, which the project does not ship.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(*, embedded: bool, port: int = DEV_PORT) -> Settings:
    """Read the environment; raise InsecureConfiguration when production lacks a setting."""
    home = carbonlabel_home()
    database_url = os.environ.get(DATABASE_URL_ENV, "").strip()
    public_url = os.environ.get(PUBLIC_URL_ENV, "").strip()
    signing_key = os.environ.get(SIGNING_KEY_ENV, "").strip()
    issuer = os.environ.get(ISSUER_ENV, "").strip() or "carbonlabel certification service"
    if not embedded:
        missing = [
            name
            for name, value in (
                (DATABASE_URL_ENV, database_url),
                (PUBLIC_URL_ENV, public_url),
                (SIGNING_KEY_ENV, signing_key),
            )
            if not value
        ]
        if missing:
            raise InsecureConfiguration(
                "refusing to start outside embedded development mode with default "
                f"{', '.join(missing)}: set them (see docs/service.md) or use `carbonlabel serve --dev`"
            )
        if not Path(signing_key).is_file():
            raise InsecureConfiguration(f"{SIGNING_KEY_ENV}={signing_key}: no such key file")
    return Settings(
        home=home,
        database_url=normalise_database_url(database_url) or f"sqlite:///{home / 'service.sqlite3'}",
        public_url=(public_url or f"http://{DEV_HOST}:{port}").rstrip("/"),
        public_url_configured=bool(public_url),
        signing_key_path=Path(signing_key) if signing_key else home / "keys" / "signing-ed25519.pem",
        embedded=embedded,
        issuer=issuer,
        verify_key_paths=tuple(Path(p) for p in os.environ.get(VERIFY_KEYS_ENV, "").split(os.pathsep) if p.strip()),
        certification_body=os.environ.get(CERTIFICATION_BODY_ENV, "").strip() or issuer,
        accreditation_number=os.environ.get(ACCREDITATION_NUMBER_ENV, "").strip(),
        login_max_failures=int(os.environ.get(LOGIN_MAX_FAILURES_ENV, "").strip() or 5),
        embedded_worker=embedded,
        accept_unknown_key_ids=_listed(ACCEPT_UNKNOWN_KEYS_ENV),
        cors_origins=_listed(CORS_ORIGINS_ENV),
        evidence_dir=Path(os.environ[EVIDENCE_DIR_ENV]) if os.environ.get(EVIDENCE_DIR_ENV, "").strip() else None,
        evidence_max_bytes=int(os.environ.get(EVIDENCE_MAX_BYTES_ENV, "").strip() or EVIDENCE_MAX_BYTES),
        webhook_allow_loopback=os.environ.get(WEBHOOK_ALLOW_LOOPBACK_ENV, "").strip().lower() in ("1", "true", "yes"),
    )


def _listed(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())
