"""S's product feed: update products in place and record every changed field.

A cell the store cannot hold rejects its row, as on every backend (`ingestion.storable`): a sku over 64 characters or
a category over 200 (the columns' limits), or a NUL character in any text. A title or description has no length limit
and is never shortened."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute

from core.db import Store
from core.tables import INTEGER_MAX, MONEY_LIMIT, Product, ProductChange, RejectedRow, text_problem
from ingestion.codes import is_fee_title, is_non_product
from ingestion.csvfile import read_delimited
from ingestion.orders import content_hash
from ingestion.parse import file_sha256
from ingestion.storable import fitted, quarantined

FEED_FIELDS = ("sku", "title", "description", "category", "price", "stock", "currency", "active")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


_ALIASES = {"unit_price": "price", "stock_code": "sku"}


def _field_name(name: object) -> str:
    """A column or key as the feed fields are named: ' SKU ' -> 'sku', 'Unit Price' -> 'price' (Online Retail's own
    names for the two are aliases)."""
    plain = re.sub(r"[\s\-]+", "_", str(name).strip().lower())
    return _ALIASES.get(plain, plain)


def read_feed(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """CSV (header row; delimiter and encoding found as for order files) or JSON lines; every value kept as given for
    validation, names in any case or spacing. Also returns the columns that are not feed fields (ignored)."""
    if path.suffix in {".jsonl", ".ndjson", ".json"}:
        rows = []
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: JSON lines must be UTF-8 (byte {exc.start} is not)") from exc
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                value = {"__error__": f"invalid JSON ({exc.msg})", "__raw__": line}
            if not isinstance(value, dict):
                value = {"__error__": "not an object", "__raw__": line}
            rows.append({"__row__": number, **{_field_name(k): v for k, v in value.items()}})
    else:
        read = read_delimited(path, None)
        frame = read.table.rename(columns={c: _field_name(c) for c in read.table.columns if c != "row_number"})
        rows = [
            {"__row__": int(r.pop("row_number")), **{str(k): v for k, v in r.items()}} for r in frame.to_dict("records")
        ]
        rows += [
            {"__row__": int(number), "__error__": reason, "__raw__": raw}
            for number, reason, raw in read.malformed.itertuples(index=False)
        ]
    names = {name for row in rows for name in row if not name.startswith("__")}
    if rows and "sku" not in names:
        raise ValueError(f"{path}: no 'sku' column; a product feed has {', '.join(FEED_FIELDS)}")
    return sorted(rows, key=lambda row: int(row["__row__"])), sorted(names - set(FEED_FIELDS))


def _number(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"non-numeric {what}") from exc
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number")
    return number


def _price(value: Any) -> Decimal:
    price = _number(value, "price")
    if price < 0:
        raise ValueError("negative price")
    if price >= MONEY_LIMIT:
        raise ValueError(f"price above {Decimal(MONEY_LIMIT).normalize()}")
    return price


def _stock(value: Any) -> int:
    stock = _number(value, "stock")
    if stock != stock.to_integral_value():
        raise ValueError("stock must be a whole number")
    if stock < 0:
        raise ValueError("negative stock")
    if stock > INTEGER_MAX:
        raise ValueError(f"stock above {INTEGER_MAX}")
    return int(stock)


_TEXT_COLUMNS = {"title": Product.title, "description": Product.description, "category": Product.category}


def _storable(what: str, value: str, column: InstrumentedAttribute[Any]) -> str:
    """`value` if the store can hold it in `column`, else ValueError with the reason (`core.tables.text_problem`)."""
    problem = text_problem(what, value, column)
    if problem:
        raise ValueError(problem)
    return value


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Validate one feed row into product fields; raise ValueError with the reason."""
    if "__error__" in row:
        raise ValueError(row["__error__"])
    sku = str(row.get("sku") or "").strip().upper()
    if not sku:
        raise ValueError("missing SKU")
    _storable("sku", sku, Product.sku)
    if is_non_product(sku):
        raise ValueError("non-product code")
    if is_fee_title(str(row.get("title") or "")):
        raise ValueError("a fee, not a product (title)")
    fields: dict[str, Any] = {"sku": sku}
    for name, column in _TEXT_COLUMNS.items():
        if row.get(name) not in (None, ""):
            fields[name] = _storable(name, str(row[name]).strip(), column)
    if row.get("price") not in (None, ""):
        fields["unit_price"] = _price(row["price"])
    if row.get("stock") not in (None, ""):
        fields["stock"] = _stock(row["stock"])
    if row.get("currency") not in (None, ""):
        currency = str(row["currency"]).strip().upper()
        if len(currency) != 3 or not currency.isalpha():  # nor a NUL character, which no text column holds
            raise ValueError("currency must be a 3-letter code")
        fields["currency"] = currency
    if row.get("active") not in (None, ""):
        flag = str(row["active"]).strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError("active must be true/false")
        fields["active"] = flag in _TRUE
    return fields


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _rejected_row(row: dict[str, Any], reason: str, source: str, sha: str) -> RejectedRow:
    """The quarantine row of a feed row: its fields as written (JSON), or the line itself where it was no row."""
    fields = row.get("__raw__") or {k: v for k, v in row.items() if k not in ("__row__", "__error__")}
    source, reason, raw = quarantined(source, reason, json.dumps(fields, ensure_ascii=False, default=str))
    return RejectedRow(source=source, source_sha256=sha, row_number=row["__row__"], reason=reason, raw=raw)


def ingest_catalog(store: Store, path: Path) -> dict[str, Any]:
    """Apply a product feed: insert new products, update changed fields, record changes, quarantine bad rows."""
    rows, ignored_columns = read_feed(path)
    sha = file_sha256(path)
    now = datetime.now(UTC).replace(tzinfo=None)
    created = updated = unchanged = 0
    rejected: list[RejectedRow] = []
    changes: list[ProductChange] = []
    with store.session() as session:
        existing = {p.sku: p for p in session.scalars(select(Product))}
        for row in rows:
            try:
                fields = _clean(row)
            except ValueError as exc:
                rejected.append(_rejected_row(row, str(exc), path.name, sha))
                continue
            product = existing.get(fields["sku"])
            is_new = product is None
            if product is None:
                product = Product(
                    sku=fields["sku"],
                    title=fields.get("title", ""),
                    currency="GBP",
                    active=True,
                    description="",
                    first_seen=now,
                    last_seen=now,
                )
                session.add(product)
                existing[product.sku] = product
                created += 1
            diff = {k: v for k, v in fields.items() if k != "sku" and getattr(product, k) != v}
            if not diff:
                unchanged += 0 if is_new else 1
                continue
            for name, value in diff.items():
                changes.append(
                    ProductChange(
                        sku=product.sku,
                        field=name,
                        old_value=_as_text(getattr(product, name)),
                        new_value=_as_text(value),
                        source=fitted(path.name, ProductChange.source),
                        changed_at=now,
                    )
                )
                setattr(product, name, value)
            product.content_hash = content_hash(product.title, product.description, product.category)
            product.updated_at = now
            updated += 0 if is_new else 1
        session.execute(delete(RejectedRow).where(RejectedRow.source_sha256 == sha))
        session.add_all([*changes, *rejected])
    return {
        "source": path.name,
        "rows_read": len(rows),
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "changes": len(changes),
        "rejected": len(rejected),
        "rejected_reasons": sorted({r.reason for r in rejected}),
        "ignored_columns": ignored_columns,
    }
