"""Settings: structure from configs/*.toml, secrets and overrides from the
environment (CONTRACT.md section 1). No secret is ever read from the repo."""

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG = "configs/dev.toml"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Config:
    source: str = "defaults"
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite:///var/messenger.db"
    jwt_secret: str = field(default="", repr=False)
    max_content_chars: int = 4096
    max_frame_bytes: int = 65536
    messages_window: int = 50
    max_page: int = 1000
    support_user_id: str = "support"
    support_chat_name: str = "Техподдержка"
    database_threads: int = 8


def load(path: str | None = None, environ: dict[str, str] | None = None) -> Config:
    environ = os.environ if environ is None else environ
    path = path or DEFAULT_CONFIG
    try:
        with open(path, "rb") as file:
            toml = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None

    def setting(section: str, key: str, default, kind=str):
        value = toml.get(section, {}).get(key, default)
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise ConfigError(f"{path}: [{section}] {key} must be {kind.__name__}")
        return value

    defaults = Config()
    auth = toml.get("auth", {})
    config = Config(
        source=path,
        host=setting("server", "host", defaults.host),
        port=setting("server", "port", defaults.port, int),
        database_url=environ.get("MESSENGER_DATABASE_URL")
        or setting("storage", "database_url", defaults.database_url),
        jwt_secret=_secret(environ.get("MESSENGER_JWT_SECRET"), auth, "jwt_secret_file", path),
        max_content_chars=setting("limits", "max_content_chars", defaults.max_content_chars, int),
        max_frame_bytes=setting("limits", "max_frame_bytes", defaults.max_frame_bytes, int),
        messages_window=setting("limits", "messages_window", defaults.messages_window, int),
        max_page=setting("limits", "max_page", defaults.max_page, int),
        support_user_id=setting("system", "support_user_id", defaults.support_user_id),
        support_chat_name=setting("system", "support_chat_name", defaults.support_chat_name),
        database_threads=setting("storage", "threads", defaults.database_threads, int),
    )
    return config


def _secret(from_env: str | None, section: dict, key: str, path: str) -> str:
    """The environment wins; otherwise a file named in the config, which a
    development config may ask to be made with a random secret on first use."""
    if from_env:
        return from_env
    secret_file = section.get(key)
    if not secret_file:
        raise ConfigError(f"{path}: set MESSENGER_JWT_SECRET or [auth] {key}")
    secret_path = Path(secret_file)
    if not secret_path.exists():
        if not section.get("create_missing_secret", False):
            raise ConfigError(f"{path}: [auth] {key}: {secret_file} does not exist")
        secret_path.parent.mkdir(parents=True, exist_ok=True)
        secret_path.write_text(secrets.token_urlsafe(32))
        secret_path.chmod(0o600)
    return secret_path.read_text().strip()
