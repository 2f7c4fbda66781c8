"""Column presets for known order feeds and mapping files for any other feed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

CANONICAL_COLUMNS = (
    "invoice_id",
    "sku",
    "description",
    "quantity",
    "ordered_at",
    "unit_price",
    "merchant_id",
    "country",
)
REQUIRED_COLUMNS = ("invoice_id", "sku", "quantity", "ordered_at", "unit_price")


@dataclass(frozen=True)
class FeedFormat:
    """How a feed's columns map onto ours: canonical name -> source column name."""

    name: str
    columns: dict[str, str]
    date_format: str | None = None
    delimiter: str | None = None  # None: found from the header line (`ingestion.csvfile`)
    extra: dict[str, str] = field(default_factory=dict)

    def missing_in(self, header: list[str]) -> list[str]:
        return [self.columns[c] for c in REQUIRED_COLUMNS if self.columns.get(c) not in header]

    def spelt_as_in(self, header: list[str]) -> FeedFormat:
        """This format with its column names as the header spells them ('customer_id' or 'CUSTOMER ID' for
        'CustomerID': case, spaces, '_' and '-' aside); names the header lacks stay as they are."""
        by_key: dict[str, str] = {}
        for name in header:
            by_key.setdefault(_column_key(name), name)
        columns = {
            canon: src if src in header else by_key.get(_column_key(src), src) for canon, src in self.columns.items()
        }
        return replace(self, columns=columns)

    def fitted_to(self, header: list[str]) -> FeedFormat | None:
        """`spelt_as_in(header)`, or None when a required column is still missing."""
        fitted = self.spelt_as_in(header)
        return None if fitted.missing_in(header) else fitted


def _column_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


PRESETS: dict[str, FeedFormat] = {
    "online-retail": FeedFormat(
        "online-retail",
        {
            "invoice_id": "InvoiceNo",
            "sku": "StockCode",
            "description": "Description",
            "quantity": "Quantity",
            "ordered_at": "InvoiceDate",
            "unit_price": "UnitPrice",
            "merchant_id": "CustomerID",
            "country": "Country",
        },
    ),
    "online-retail-ii": FeedFormat(
        "online-retail-ii",
        {
            "invoice_id": "Invoice",
            "sku": "StockCode",
            "description": "Description",
            "quantity": "Quantity",
            "ordered_at": "InvoiceDate",
            "unit_price": "Price",
            "merchant_id": "Customer ID",
            "country": "Country",
        },
    ),
}


class FormatError(ValueError):
    """The file does not match the requested format; the message lists what is missing."""


def load_mapping(path: Path) -> FeedFormat:
    """Read a mapping file (YAML or JSON): {columns: {invoice_id: ..., sku: ...}, date_format: ..., delimiter: ...}."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise FormatError(f"{path}: not a valid {kind} mapping ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise FormatError(f"{path}: a mapping file needs a 'columns' table, e.g. columns: {{sku: ItemCode, ...}}")
    columns = {str(k): str(v) for k, v in data["columns"].items()}
    unknown = sorted(set(columns) - set(CANONICAL_COLUMNS))
    if unknown:
        raise FormatError(f"{path}: unknown column keys {unknown}; allowed: {list(CANONICAL_COLUMNS)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise FormatError(f"{path}: mapping lacks required keys {missing}")
    return FeedFormat(
        name=f"mapping:{path.name}",
        columns=columns,
        date_format=data.get("date_format"),
        delimiter=str(data["delimiter"]) if data.get("delimiter") else None,
    )


def detect_format(header: list[str]) -> FeedFormat:
    for preset in PRESETS.values():
        if not preset.missing_in(header):
            return preset
    for preset in PRESETS.values():
        fitted = preset.fitted_to(header)
        if fitted is not None:
            return fitted
    raise FormatError(
        f"cannot recognise columns {header}; use --format online-retail|online-retail-ii or --mapping FILE"
    )


def chosen_format(name: str, mapping: Path | None) -> FeedFormat | None:
    """The format a user named (the mapping file's, when given), None for `auto`. Chosen before the file is read, so
    a mapping is loaded once: for a CSV's delimiter and its columns, or for every sheet of a workbook."""
    if mapping is not None:
        return load_mapping(mapping)
    if name == "auto":
        return None
    if name in PRESETS:
        return PRESETS[name]
    raise FormatError(f"unknown format {name!r}; choose one of auto, {', '.join(PRESETS)}")


def fit_format(fmt: FeedFormat | None, header: list[str]) -> FeedFormat:
    """`fmt` spelt as `header` spells its columns (detected from the header when None); FormatError names the
    columns it lacks."""
    if fmt is None:
        return detect_format(header)
    fitted = fmt.spelt_as_in(header)
    missing = fitted.missing_in(header)
    if missing:
        raise FormatError(f"format {fmt.name}: file lacks columns {missing} (it has {header})")
    return fitted
