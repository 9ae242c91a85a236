"""Logins, roles and API tokens.

Roles (docs/access.md): ``citizen`` (bound to an IIN), ``employer`` (bound to a BIN),
``clinic`` (bound to a provider), ``operator`` (the fund's staff), ``auditor`` (read-only oversight).
Passwords are hashed with scrypt; API tokens are random and only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from osms.core.errors import InvalidInput
from osms.core.identity import check_bin, check_iin
from osms.core.models import ROLES, ApiToken, User, WebSession

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
TOKEN_PREFIX = "osms_"

# --- The key that signs the web session cookie --------------------------------------------------

# The key the project once shipped as its default: published, so refused like no key at all.
PUBLISHED_KEY = "dev-only-change-me"
MIN_KEY_LENGTH = 32


class InsecureSecretKey(RuntimeError):
    """The app was asked to serve with a session key anyone could know or guess."""


def check_secret_key(key: str) -> None:
    """Refuse a missing, published or short key: with it anyone could sign an operator's cookie."""
    if not key or key == PUBLISHED_KEY:
        problem = "OSMS_SECRET_KEY is not set (or is the published example value)"
    elif len(key) < MIN_KEY_LENGTH:
        problem = f"OSMS_SECRET_KEY is shorter than {MIN_KEY_LENGTH} characters"
    else:
        return
    raise InsecureSecretKey(
        f"{problem}: anyone could forge a login cookie. Set OSMS_SECRET_KEY to a long random value, "
        'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))", '
        "or run `osms demo`, which makes one for its installation (docs/security.md)."
    )


def demo_secret_key(var_dir: Path) -> str:
    """The demo installation's own random key, made on first use in ``var_dir/secret_key``
    (readable by its owner only) and kept, so logins survive a restart of the demo."""
    path = var_dir / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if len(key) >= MIN_KEY_LENGTH:
            return key
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and what they are bound to."""

    user_id: int
    username: str
    role: str
    display_name: str
    iin: str | None = None
    bin: str | None = None
    provider_id: str | None = None

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.id, user.username, user.role, user.display_name, user.iin, user.bin, user.provider_id)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str,
    *,
    iin: str | None = None,
    bin: str | None = None,
    provider_id: str | None = None,
) -> User:
    """Create (or replace the password and binding of) a login, checking the role's binding."""
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}", code="bad_role")
    if role == "citizen" and (not iin or not check_iin(iin).valid):
        raise InvalidInput("a citizen login must be bound to a valid IIN", code="bad_iin")
    if role == "employer" and (not bin or not (check_bin(bin).valid or check_iin(bin).valid)):
        raise InvalidInput("an employer login must be bound to a valid BIN (or IE's IIN)", code="bad_bin")
    if role == "clinic" and not provider_id:
        raise InvalidInput("a clinic login must be bound to a provider id", code="missing_provider")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username)
        session.add(user)
    user.password_hash = hash_password(password)
    user.role = role
    user.display_name = display_name
    user.iin, user.bin, user.provider_id = iin, bin, provider_id
    user.active = True
    session.flush()
    return user


# Verified when the login is unknown or inactive, so that a wrong login costs the same scrypt as a
# wrong password: the answer's timing does not tell whether a login exists.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash):
        return None
    return Principal.of(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> str:
    """Issue an API token for ``user``; the plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token)))
    session.flush()
    return token


# Token -> principal, kept for a few seconds per process: a status check is one token lookup
# fewer. A revoked token or a deactivated login stops working within TOKEN_CACHE_SECONDS in other
# processes, at once in the one that revoked it.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[Principal, float]] = {}


def cached_principal(token: str) -> Principal | None:
    """The principal of ``token`` if this process looked it up less than TOKEN_CACHE_SECONDS ago
    (no database read), else None: the caller then asks ``principal_for_token``."""
    cached = _token_cache.get(_token_hash(token))
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    return None


def principal_for_token(session: Session, token: str) -> Principal | None:
    principal = cached_principal(token)
    if principal is not None:
        return principal
    key = _token_hash(token)
    principal = _principal_for_hash(session, key)
    if principal is None:
        _token_cache.pop(key, None)
    else:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key] = (principal, time.monotonic() + TOKEN_CACHE_SECONDS)
    return principal


def _principal_for_hash(session: Session, token_hash: str) -> Principal | None:
    row = session.execute(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None), User.active.is_(True))
    ).scalar_one_or_none()
    return Principal.of(row) if row else None


def revoke_token(session: Session, token: str) -> bool:
    """Revoke a token (False if unknown or already revoked)."""
    key = _token_hash(token)
    _token_cache.pop(key, None)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == key))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    return True


# --- Web logins, server-side --------------------------------------------------------------------


def start_web_session(session: Session, user_id: int, hours: float) -> str:
    """A new web login for ``user_id``: the random id the cookie carries (only its hash is kept)."""
    sid = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        WebSession(id_hash=_token_hash(sid), user_id=user_id, created_at=now, expires_at=now + timedelta(hours=hours))
    )
    return sid


def principal_for_web_session(session: Session, sid: str) -> Principal | None:
    """The user of a web login that has not been ended or expired (one query per request)."""
    user = session.execute(
        select(User)
        .join(WebSession, WebSession.user_id == User.id)
        .where(
            WebSession.id_hash == _token_hash(sid),
            WebSession.expires_at > datetime.now(UTC),
            User.active.is_(True),
        )
    ).scalar_one_or_none()
    return Principal.of(user) if user else None


def end_web_session(session: Session, sid: str) -> None:
    """Log out: the login's row goes, so the cookie (and any copy of it) stops working. Expired
    logins go at the same time."""
    session.execute(
        delete(WebSession).where(
            (WebSession.id_hash == _token_hash(sid)) | (WebSession.expires_at <= datetime.now(UTC))
        )
    )
