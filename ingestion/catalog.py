"""S's product feed: update products in place and record every changed field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, select

from core.db import Store
from core.tables import Product, ProductChange, RejectedRow
from ingestion.codes import is_fee_title, is_non_product
from ingestion.orders import content_hash
from ingestion.parse import file_sha256

FEED_FIELDS = ("sku", "title", "description", "category", "price", "stock", "currency", "active")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def read_feed(path: Path) -> list[dict[str, Any]]:
    """CSV (header row) or JSON lines; every value kept as given for validation."""
    if path.suffix in {".jsonl", ".ndjson", ".json"}:
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                value = {"__error__": f"invalid JSON ({exc.msg})", "__raw__": line}
            rows.append({"__row__": number, **(value if isinstance(value, dict) else {"__error__": "not an object"})})
        return rows
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [
        {"__row__": i, **{str(k): v for k, v in r.items()}} for i, r in enumerate(frame.to_dict("records"), start=1)
    ]


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """Validate one feed row into product fields; raise ValueError with the reason."""
    if "__error__" in row:
        raise ValueError(row["__error__"])
    sku = str(row.get("sku") or "").strip().upper()
    if not sku:
        raise ValueError("missing SKU")
    if is_non_product(sku):
        raise ValueError("non-product code")
    if is_fee_title(str(row.get("title") or "")):
        raise ValueError("a fee, not a product (title)")
    fields: dict[str, Any] = {"sku": sku}
    for name in ("title", "description", "category"):
        if row.get(name) not in (None, ""):
            fields[name] = str(row[name]).strip()
    if row.get("price") not in (None, ""):
        try:
            price = Decimal(str(row["price"]))
        except InvalidOperation as exc:
            raise ValueError("non-numeric price") from exc
        if price < 0:
            raise ValueError("negative price")
        fields["unit_price"] = price
    if row.get("stock") not in (None, ""):
        try:
            fields["stock"] = int(float(str(row["stock"])))
        except ValueError as exc:
            raise ValueError("non-numeric stock") from exc
    if row.get("currency") not in (None, ""):
        currency = str(row["currency"]).strip().upper()
        if len(currency) != 3:
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


def ingest_catalog(store: Store, path: Path) -> dict[str, Any]:
    """Apply a product feed: insert new products, update changed fields, record changes, quarantine bad rows."""
    rows = read_feed(path)
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
                raw = {k: v for k, v in row.items() if k != "__row__"}
                rejected.append(
                    RejectedRow(
                        source=path.name,
                        source_sha256=sha,
                        row_number=row["__row__"],
                        reason=str(exc),
                        raw=json.dumps(raw, ensure_ascii=False, default=str),
                    )
                )
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
                unchanged += 1
                continue
            for name, value in diff.items():
                changes.append(
                    ProductChange(
                        sku=product.sku,
                        field=name,
                        old_value=_as_text(getattr(product, name)),
                        new_value=_as_text(value),
                        source=path.name,
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
    }
