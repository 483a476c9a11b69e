"""Client tokens: HS256 JWTs whose `sub` is the user id and `name` the FIO."""

import time
from dataclasses import dataclass

import jwt

from messenger.strings import InvalidInputError, identifier, one_line

ALGORITHM = "HS256"
# What a refused client is told, shorter than PyJWT's own words; the first match wins.
REASONS = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not valid yet (its nbf or iat is in the future)"),
    (jwt.InvalidAlgorithmError, f"unknown algorithm: tokens are {ALGORITHM}"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.DecodeError, "malformed token"),
)


class InvalidTokenError(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    user_id: str
    name: str
    expires_at: float | None = None  # the token's exp with the leeway, seconds since the epoch


class Tokens:
    def __init__(self, secret: str, leeway_s: int = 0, system_users: frozenset[str] = frozenset()):
        self._secret = secret
        self._leeway_s = leeway_s  # clocks differ: exp and nbf are judged this kindly
        self._system_users = system_users  # never clients: see domain.errors.SystemIdentityError

    def issue(self, user_id: str, name: str = "", ttl_s: int | None = None) -> str:
        claims: dict = {"sub": user_id, "iat": int(time.time())}
        if name:
            claims["name"] = name
        if ttl_s is not None:
            claims["exp"] = int(time.time()) + ttl_s
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str | None) -> Identity:
        if not token:
            raise InvalidTokenError("no token")
        try:
            # One algorithm, fixed: a token cannot choose "none" or another key type.
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                options={"require": ["sub"]}, leeway=self._leeway_s)
        except jwt.PyJWTError as error:
            raise InvalidTokenError(_reason(error)) from None
        user_id, name = claims["sub"], claims.get("name", "")
        if not isinstance(name, str):
            raise InvalidTokenError("name must be a string")
        try:
            user_id, name = identifier(user_id, "sub"), one_line(name, "name")
        except InvalidInputError as error:
            raise InvalidTokenError(str(error)) from None
        if user_id in self._system_users:
            raise InvalidTokenError("sub is a system identity, not a user")
        expires_at = claims.get("exp")
        if expires_at is not None:
            expires_at += self._leeway_s  # when this server stops accepting it
        return Identity(user_id, name, expires_at)


def _reason(error: jwt.PyJWTError) -> str:
    return next((reason for kind, reason in REASONS if isinstance(error, kind)), str(error))
