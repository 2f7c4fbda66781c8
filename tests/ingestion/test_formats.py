from __future__ import annotations

import pytest

from ingestion.formats import PRESETS, FormatError, chosen_format, detect_format, fit_format

RETAIL = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def test_exact_headers_pick_their_preset() -> None:
    assert detect_format(RETAIL) == PRESETS["online-retail"]
    header_ii = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    assert detect_format(header_ii) == PRESETS["online-retail-ii"]


def test_headers_spelt_another_way_are_fitted() -> None:
    header = [
        "invoice_no",
        "STOCK CODE",
        "description",
        "quantity",
        "invoice-date",
        "unitprice",
        "Customer ID",
        "country",
    ]
    fmt = detect_format(header)
    assert fmt.name == "online-retail"
    assert fmt.columns["sku"] == "STOCK CODE" and fmt.columns["merchant_id"] == "Customer ID"
    assert fmt.columns["ordered_at"] == "invoice-date" and not fmt.missing_in(header)


def test_a_named_preset_is_fitted_too_and_a_missing_column_is_named() -> None:
    lower = [name.lower() for name in RETAIL]
    assert fit_format(chosen_format("online-retail", None), lower).columns["unit_price"] == "unitprice"
    with pytest.raises(FormatError, match=r"lacks columns \['UnitPrice'\]"):
        fit_format(chosen_format("online-retail", None), [c for c in lower if c != "unitprice"])
