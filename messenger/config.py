"""Settings: structure from configs/*.toml, secrets and overrides from the
environment (CONTRACT.md section 1). No secret is ever read from the repo."""

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG = "configs/dev.toml"
TELEGRAM_API_URL = "https://api.telegram.org"

BOOKING_TEMPLATES = {
    "created": "Новая запись{details}.",
    "cancelled": "Запись отменена{details}.",
    "confirmed": "Запись подтверждена{details}.",
}
# Each fragment appears only when its field is in the booking, in this order.
BOOKING_FRAGMENTS = {
    "id": " №{id}",
    "client_name": ": клиент {client_name}",
    "client_phone": " ({client_phone})",
    "service": ", услуга «{service}»",
    "staff_name": ", мастер {staff_name}",
    "starts_at": ", {starts_at}",
    "ends_at": " – {ends_at}",
    "comment": ". Комментарий: {comment}",
}


# Keys of [auth] besides those read by `setting` (the secrets' files and switches).
AUTH_KEYS = ("jwt_secret_file", "service_token_file", "create_missing_secret",
             "require_strong_secrets")
DEV_SECRET_FILES = ("var/dev-jwt-secret", "var/dev-service-token")
MIN_SECRET_CHARS = 32


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Config:
    source: str = "defaults"
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite:///var/messenger.db"
    jwt_secret: str = field(default="", repr=False)
    service_token: str = field(default="", repr=False)
    max_content_chars: int = 4096
    max_frame_bytes: int = 65536
    messages_window: int = 50
    max_page: int = 1000
    requests_per_s: float = 10.0
    request_burst: int = 100
    user_requests_per_s: float = 30.0  # all of one user's connections to a process together
    user_request_burst: int = 300
    max_connections_per_user: int = 20  # to one process
    max_group_members: int = 1000
    max_new_users_per_request: int = 50  # users a client's request may register on the spot
    token_leeway_s: int = 30  # clock skew allowed on a token's exp and nbf
    log_format: str = "text"  # or "json", one object per line
    dev_tokens: bool = False  # POST /console/token mints tokens for anyone: development only
    max_pending_bytes: int = 4 * 1024 * 1024
    support_user_id: str = "support"
    support_chat_name: str = "Техподдержка"
    bookings_sender_id: str = "bookings"
    bot_bookings_chat_name: str = "Записи через бота"
    online_bookings_chat_name: str = "Онлайн-запись"
    booking_templates: dict = field(default_factory=lambda: dict(BOOKING_TEMPLATES))
    booking_fragments: dict = field(default_factory=lambda: dict(BOOKING_FRAGMENTS))
    booking_time_format: str = "%d.%m.%Y %H:%M"
    database_threads: int = 8
    telegram_bot_token: str = field(default="", repr=False)
    telegram_support_chat_id: str = ""
    telegram_api_url: str = TELEGRAM_API_URL
    telegram_mode: str = "polling"
    public_url: str = ""
    uploads_directory: str = "var/uploads"
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000  # read from an image's header; as images.MAX_PIXELS
    apns_key_file: str = ""
    apns_key_id: str = ""
    apns_team_id: str = ""
    apns_topic: str = ""
    apns_sandbox: bool = False
    apns_url: str = ""
    apns_ca_file: str = ""
    fcm_service_account_file: str = ""
    fcm_project_id: str = ""
    fcm_url: str = ""
    presence_heartbeat_s: float = 30.0  # a process missing three is taken for dead
    presence_offline_after_s: float = 5.0  # a user gone from everywhere is shown offline then


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

    # Settings the environment may override are known even when it does.
    known: set[tuple[str, str]] = {("auth", key) for key in AUTH_KEYS} | {
        ("storage", "database_url"), ("uploads", "directory"), ("telegram", "support_chat_id"),
        ("telegram", "api_url"), ("server", "public_url")}

    def setting(section: str, key: str, default, kind=str):
        known.add((section, key))
        value = toml.get(section, {}).get(key, default)
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            name = kind.__name__ if isinstance(kind, type) else "a number"
            raise ConfigError(f"{path}: [{section}] {key} must be {name}")
        if kind in (int, (int, float)) and not isinstance(value, bool) and value <= 0 \
                and (section, key) != ("server", "port"):
            raise ConfigError(f"{path}: [{section}] {key} must be above 0")
        return value

    def table(section: str, key: str, default: dict) -> dict:
        known.add((section, key))
        value = {**default, **toml.get(section, {}).get(key, {})}
        if not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{path}: [{section}.{key}] values must be strings")
        return value

    defaults = Config()
    auth = toml.get("auth", {})
    config = _build(path, toml, environ, setting, table, defaults, auth)
    _check_known(path, toml, known)
    _check_database_url(path, config.database_url)
    _check_system_ids(path, config)
    if auth.get("require_strong_secrets", False):
        _check_strong(path, config)
    if not 0 <= config.port <= 65535:
        raise ConfigError(f"{path}: [server] port must be 0 to 65535")
    return config


def _build(path, toml, environ, setting, table, defaults, auth) -> Config:
    log_format = setting("logging", "format", defaults.log_format)
    if log_format not in ("text", "json"):
        raise ConfigError(f"{path}: [logging] format must be \"text\" or \"json\"")
    telegram_mode = setting("telegram", "mode", defaults.telegram_mode)
    if telegram_mode not in ("polling", "webhook"):
        raise ConfigError(f"{path}: [telegram] mode must be \"polling\" or \"webhook\"")
    return Config(
        source=path,
        log_format=log_format,
        dev_tokens=_dev_secret_in_use(environ, auth),
        host=setting("server", "host", defaults.host),
        port=setting("server", "port", defaults.port, int),
        database_url=environ.get("MESSENGER_DATABASE_URL")
        or setting("storage", "database_url", defaults.database_url),
        jwt_secret=_secret(environ, "MESSENGER_JWT_SECRET", auth, "jwt_secret_file", path),
        service_token=_secret(environ, "MESSENGER_SERVICE_TOKEN", auth, "service_token_file",
                              path),
        max_content_chars=setting("limits", "max_content_chars", defaults.max_content_chars, int),
        max_frame_bytes=setting("limits", "max_frame_bytes", defaults.max_frame_bytes, int),
        messages_window=setting("limits", "messages_window", defaults.messages_window, int),
        max_page=setting("limits", "max_page", defaults.max_page, int),
        requests_per_s=float(setting("limits", "requests_per_s", defaults.requests_per_s,
                                     (int, float))),
        request_burst=setting("limits", "request_burst", defaults.request_burst, int),
        user_requests_per_s=float(setting("limits", "user_requests_per_s",
                                          defaults.user_requests_per_s, (int, float))),
        user_request_burst=setting("limits", "user_request_burst", defaults.user_request_burst,
                                   int),
        max_connections_per_user=setting("limits", "max_connections_per_user",
                                         defaults.max_connections_per_user, int),
        max_group_members=setting("limits", "max_group_members", defaults.max_group_members, int),
        max_new_users_per_request=setting("limits", "max_new_users_per_request",
                                          defaults.max_new_users_per_request, int),
        token_leeway_s=setting("auth", "clock_skew_s", defaults.token_leeway_s, int),
        max_pending_bytes=setting("limits", "max_pending_bytes", defaults.max_pending_bytes, int),
        support_user_id=setting("system", "support_user_id", defaults.support_user_id),
        support_chat_name=setting("system", "support_chat_name", defaults.support_chat_name),
        bookings_sender_id=setting("bookings", "sender_id", defaults.bookings_sender_id),
        bot_bookings_chat_name=setting("bookings", "bot_chat_name",
                                       defaults.bot_bookings_chat_name),
        online_bookings_chat_name=setting("bookings", "online_chat_name",
                                          defaults.online_bookings_chat_name),
        booking_templates=table("bookings", "templates", BOOKING_TEMPLATES),
        booking_fragments=table("bookings", "fragments", BOOKING_FRAGMENTS),
        booking_time_format=setting("bookings", "time_format", defaults.booking_time_format),
        database_threads=setting("storage", "threads", defaults.database_threads, int),
        uploads_directory=environ.get("MESSENGER_UPLOADS_DIRECTORY")
        or setting("uploads", "directory", defaults.uploads_directory),
        max_upload_bytes=setting("uploads", "max_bytes", defaults.max_upload_bytes, int),
        max_image_pixels=setting("limits", "max_image_pixels", defaults.max_image_pixels, int),
        telegram_bot_token=environ.get("MESSENGER_TELEGRAM_BOT_TOKEN", ""),
        telegram_support_chat_id=environ.get("MESSENGER_TELEGRAM_SUPPORT_CHAT_ID")
        or setting("telegram", "support_chat_id", ""),
        telegram_api_url=(environ.get("MESSENGER_TELEGRAM_API_URL")
                          or setting("telegram", "api_url", TELEGRAM_API_URL)).rstrip("/"),
        telegram_mode=telegram_mode,
        public_url=(environ.get("MESSENGER_PUBLIC_URL") or setting("server", "public_url", ""))
        .rstrip("/"),
        apns_key_file=environ.get("MESSENGER_APNS_KEY_FILE", ""),
        apns_key_id=environ.get("MESSENGER_APNS_KEY_ID", ""),
        apns_team_id=environ.get("MESSENGER_APNS_TEAM_ID", ""),
        apns_topic=environ.get("MESSENGER_APNS_TOPIC", ""),
        apns_sandbox=environ.get("MESSENGER_APNS_SANDBOX", "").lower() in ("1", "true", "yes"),
        apns_url=environ.get("MESSENGER_APNS_URL", ""),
        apns_ca_file=environ.get("MESSENGER_APNS_CA_FILE", ""),
        fcm_service_account_file=environ.get("MESSENGER_FCM_SERVICE_ACCOUNT_FILE", ""),
        fcm_project_id=environ.get("MESSENGER_FCM_PROJECT_ID", ""),
        fcm_url=environ.get("MESSENGER_FCM_URL", ""),
        presence_heartbeat_s=float(setting("presence", "heartbeat_s",
                                           defaults.presence_heartbeat_s, (int, float))),
        presence_offline_after_s=float(setting("presence", "offline_after_s",
                                               defaults.presence_offline_after_s, (int, float))),
    )


def _check_known(path: str, toml: dict, known: set[tuple[str, str]]) -> None:
    """A misspelt setting stops the server rather than being silently ignored."""
    for section, values in toml.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: {section} must be a [section]")
        for key in values:
            if (section, key) not in known:
                raise ConfigError(f"{path}: [{section}] {key} is not a setting (misspelt?)")


def _check_database_url(path: str, database_url: str) -> None:
    from messenger.store.settings import DatabaseURLError, persistence_env
    try:
        persistence_env(database_url)
    except DatabaseURLError as error:
        raise ConfigError(f"{path}: [storage] database_url (or MESSENGER_DATABASE_URL): "
                          f"{error}") from None


def _check_system_ids(path: str, config: Config) -> None:
    from messenger.strings import InvalidInputError, identifier
    for key, value in (("[system] support_user_id", config.support_user_id),
                       ("[bookings] sender_id", config.bookings_sender_id)):
        try:
            identifier(value, key)
        except InvalidInputError as error:
            raise ConfigError(f"{path}: {error}") from None
    if config.support_user_id == config.bookings_sender_id:
        raise ConfigError(f"{path}: [system] support_user_id and [bookings] sender_id must differ")


def _check_strong(path: str, config: Config) -> None:
    """Production refuses a short secret, or one a development setup made."""
    made_for_development = set()
    for dev_file in DEV_SECRET_FILES:
        if Path(dev_file).exists():
            made_for_development.add(Path(dev_file).read_text().strip())
    for variable, value in (("MESSENGER_JWT_SECRET", config.jwt_secret),
                            ("MESSENGER_SERVICE_TOKEN", config.service_token)):
        if len(value) < MIN_SECRET_CHARS:
            raise ConfigError(f"{path}: {variable} must be at least {MIN_SECRET_CHARS} characters")
        if value in made_for_development:
            raise ConfigError(f"{path}: {variable} is a development secret (from var/);"
                              " make one for production")


def _dev_secret_in_use(environ, auth: dict) -> bool:
    """Tokens for anyone (/console/token) only where the secret itself is the
    development one, made on first start in var/: a secret from the
    environment or from any other file may sign tokens that matter."""
    secret_file = auth.get("jwt_secret_file")
    return (not environ.get("MESSENGER_JWT_SECRET") and isinstance(secret_file, str)
            and auth.get("create_missing_secret", False) is True
            and Path(secret_file).resolve() == Path(DEV_SECRET_FILES[0]).resolve())


def _secret(environ, variable: str, section: dict, key: str, path: str) -> str:
    """The environment wins; otherwise a file named in the config, which a
    development config may ask to be made with a random secret on first use."""
    if environ.get(variable):
        return environ[variable]
    secret_file = section.get(key)
    if not secret_file:
        raise ConfigError(f"{path}: set {variable} or [auth] {key}")
    secret_path = Path(secret_file)
    if not secret_path.exists():
        if not section.get("create_missing_secret", False):
            raise ConfigError(f"{path}: [auth] {key}: {secret_file} does not exist")
        secret_path.parent.mkdir(parents=True, exist_ok=True)
        secret_path.write_text(secrets.token_urlsafe(32))
        secret_path.chmod(0o600)
    return secret_path.read_text().strip()
