"""SQLAlchemy 2 tables for the S2B2C domain. Schema changes go through Alembic (core/migrations)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column

Money = Numeric(14, 4)
# The largest values the columns hold, so a feed's or a request's number beyond them is rejected with a reason
# instead of overflowing in the driver: money has 14 - 4 = 10 digits before the point, Integer is 32-bit on
# PostgreSQL, ids are BIGINT (SQLite's INTEGER is 64-bit too).
MONEY_LIMIT = 10**10  # exclusive
INTEGER_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
NUL = "\x00"  # PostgreSQL stores it in no text column; SQLite does


def max_chars(*columns: InstrumentedAttribute[Any]) -> int | None:
    """The characters the columns all hold, from their String(n) types (None: no limit, as for Text). PostgreSQL
    refuses a longer value (and with it the whole transaction), SQLite stores it; the columns below are the one place
    the limits are written."""
    limits = [int(column.type.length) for column in columns if getattr(column.type, "length", None)]
    return min(limits, default=None)


def nul_reason(what: str) -> str:
    return f"{what} contains a NUL character"


def length_reason(what: str, limit: int) -> str:
    return f"{what} longer than {limit} characters"


def text_problem(what: str, value: str, *columns: InstrumentedAttribute[Any]) -> str | None:
    """Why `value` cannot be stored in the `columns`, or None: a NUL character (no text column holds one), or more
    characters than a String(n) column holds."""
    if NUL in value:
        return nul_reason(what)
    limit = max_chars(*columns)
    if limit is not None and len(value) > limit:
        return length_reason(what, limit)
    return None


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Product(Base):
    """S's catalog. SKUs are upper-cased and stripped; non-product codes (postage, fees) never land here."""

    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(200))
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    stock: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class ProductChange(Base):
    """Audit trail of catalog feed updates: one row per changed field."""

    __tablename__ = "product_changes"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class Merchant(Base):
    """A small merchant (b) buying from S."""

    __tablename__ = "merchants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="en")
    tier: Mapped[str] = mapped_column(String(20), default="standard")
    retail_markup: Mapped[float | None] = mapped_column(Numeric(6, 3))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MerchantPrice(Base):
    """A merchant's own retail price list (consumer prices). Missing SKUs fall back to the markup rule."""

    __tablename__ = "merchant_prices"
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    retail_price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")


class Order(Base):
    """One invoice. kind: purchase | cancellation | adjustment. merchant_id NULL = anonymous sale."""

    __tablename__ = "orders"
    invoice_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    ordered_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    country: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(300))


class OrderLine(Base):
    """A line of an invoice. Returns keep negative quantities and point at the order they cancel when known."""

    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("orders.invoice_id"))
    line_no: Mapped[int] = mapped_column(Integer)
    merchant_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ordered_at: Mapped[datetime] = mapped_column(DateTime)
    sku: Mapped[str] = mapped_column(String(64))
    is_product: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    cancels_invoice_id: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (UniqueConstraint("invoice_id", "line_no", name="uq_order_line"),)


class RejectedRow(Base):
    """Quarantine: every input row that could not be stored, with its reason. Nothing is dropped silently."""

    __tablename__ = "rejected_rows"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    source_sha256: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    raw: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("source_sha256", "row_number", name="uq_rejected_row"),)


class IngestRun(Base):
    __tablename__ = "ingest_runs"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300))
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RestockList(Base):
    """A computed restock list (batch job output), keyed by merchant, as-of date and model version."""

    __tablename__ = "restock_lists"
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(80), primary_key=True)
    items: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class BatchShard(Base):
    """Progress of a sharded batch run, so a re-run skips finished shards."""

    __tablename__ = "batch_shards"
    run_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    of_shards: Mapped[int] = mapped_column(Integer)
    merchants: Mapped[int] = mapped_column(Integer)
    finished_at: Mapped[datetime] = mapped_column(DateTime)


class GeneratedContent(Base):
    """LLM output shown to people: restock summaries, marketing copy, customer replies."""

    __tablename__ = "generated_content"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grounding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prompt_id: Mapped[str] = mapped_column(String(80))
    prompt_version: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_content_merchant_status", "merchant_id", "status"),)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiKey(Base):
    """API keys are stored as sha256 hashes; the clear key is shown once at creation."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    merchant_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
