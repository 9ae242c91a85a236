"""Core tables: users and their roles, API tokens, the append-only audit log, import batches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base

ROLES = ("citizen", "employer", "clinic", "operator", "auditor")


class User(Base):
    """A login. A citizen is bound to an IIN, an employer to a BIN, a clinic to a provider."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(200))
    iin: Mapped[str | None] = mapped_column(String(12))
    bin: Mapped[str | None] = mapped_column(String(12))
    provider_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("role IN ('citizen','employer','clinic','operator','auditor')", name="role"),
        CheckConstraint("role <> 'citizen' OR iin IS NOT NULL", name="citizen_iin"),
        CheckConstraint("role <> 'employer' OR bin IS NOT NULL", name="employer_bin"),
        CheckConstraint("role <> 'clinic' OR provider_id IS NOT NULL", name="clinic_provider"),
    )


class ApiToken(Base):
    """A bearer token for a machine client, acting as its user. Only the hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


OUTCOMES = ("ok", "denied", "failed")


class AuditEntry(Base):
    """Who (user, role) read what (action, resource) of whose data (subject IIN), when, how, from
    where (client address), and whether it was allowed (outcome: ``ok``, ``denied``, or ``failed``
    for a login that failed; docs/audit.md).

    Append-only: database triggers refuse UPDATE and DELETE (see the migration).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(300))
    subject_iin: Mapped[str | None] = mapped_column(String(12), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(8), server_default="ok")
    client: Mapped[str | None] = mapped_column(String(64))

    # The log only grows, in time order: on PostgreSQL a BRIN index serves time ranges for almost
    # nothing per insert (migration 0005); SQLite has a B-tree.
    __table_args__ = (Index("ix_audit_log_at", "at", postgresql_using="brin"),)


class ImportBatch(Base):
    """One import run of one file: what came in and what became of it."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # The login that loaded it (None: a command run on the server, or a load before schema 0007).
    created_by: Mapped[str | None] = mapped_column(String(64))


class ImportRejection(Base):
    """A row that was not taken, with the line, the raw text and the reason code."""

    __tablename__ = "import_rejection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


class WebSession(Base):
    """A web login, server-side: the signed cookie carries a random id whose SHA-256 is stored
    here. Logging out deletes the row, so a copied cookie stops working (docs/security.md)."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Throttle(Base):
    """A counter per key shared by every worker process (docs/security.md): failed logins of an
    account (``account:NAME``) or from a client address (``address:IP``), and the public status
    checks of an address (``status:IP``). Times are seconds since the epoch."""

    __tablename__ = "throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)
    last_at: Mapped[float] = mapped_column(Float)
    blocked_until: Mapped[float] = mapped_column(Float, default=0.0)
