"""Lines of invoices the store already holds: which of a file's lines it lacks.

An invoice can reach the store in parts: an export cut by row count splits it across two files, and a later export
may hold lines an earlier one did not. Skipping every invoice already present would drop those lines while the
summary called them present. A file line is present when the stored invoice has a line with the same SKU, quantity
and price; each stored line answers for one file line, so an invoice that sells one SKU on two identical lines (as
Online Retail's invoices do) keeps both. The lines left over are added to the stored invoice after its own.
One case cannot be told apart from a re-export: an invoice with two identical lines cut between them, one in each
file. The second copy is counted present.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from core.tables import OrderLine

CONTENT = ["invoice_id", "sku", "quantity", "unit_price"]
_IN_CHUNK = 500  # invoice ids per query: far below every backend's limit on bound parameters


def stored_lines(conn: Connection, invoices: Sequence[str]) -> pd.DataFrame:
    """The stored lines of `invoices`: invoice id, line number, SKU, quantity and price (rounded as parsed)."""
    columns = (OrderLine.invoice_id, OrderLine.line_no, OrderLine.sku, OrderLine.quantity, OrderLine.unit_price)
    rows: list[tuple[object, ...]] = []
    for start in range(0, len(invoices), _IN_CHUNK):
        chunk = list(invoices[start : start + _IN_CHUNK])
        rows.extend(tuple(row) for row in conn.execute(select(*columns).where(OrderLine.invoice_id.in_(chunk))))
    frame = pd.DataFrame(rows, columns=["invoice_id", "line_no", "sku", "quantity", "unit_price"])
    frame["quantity"] = frame["quantity"].astype(np.int64)
    frame["unit_price"] = pd.to_numeric(frame["unit_price"].astype(float)).round(4)
    return frame


def _numbered(lines: pd.DataFrame) -> pd.DataFrame:
    """Content columns plus `nth`: the how-manieth line with that content in its invoice (0 first)."""
    content = lines[CONTENT].copy()
    content["unit_price"] = content["unit_price"].astype(float).round(4)
    content["nth"] = content.groupby(CONTENT, sort=False).cumcount()
    return content


def missing_lines(conn: Connection, lines: pd.DataFrame, present: set[str]) -> tuple[pd.DataFrame, int]:
    """The file's lines the store lacks (new invoices whole, the missing lines of stored ones), and how many of them
    belong to stored invoices. Lines added to a stored invoice are numbered after its last stored line."""
    known = lines["invoice_id"].isin(present).to_numpy()
    if not known.any():
        return lines, 0
    of_stored = lines[known]
    stored = stored_lines(conn, of_stored["invoice_id"].unique().tolist())
    matched = (
        _numbered(of_stored).reset_index().merge(_numbered(stored), on=[*CONTENT, "nth"], how="left", indicator=True)
    )
    lacking = of_stored.loc[matched.loc[matched["_merge"] == "left_only", "index"].to_numpy()].copy()
    if not lacking.empty:
        last = stored.groupby("invoice_id")["line_no"].max()
        after = lacking["invoice_id"].map(last).fillna(-1).astype(np.int64)
        lacking["line_no"] = after + 1 + lacking.groupby("invoice_id", sort=False).cumcount()
    return pd.concat([lines[~known], lacking]).sort_values(["invoice_id", "row_number"]), len(lacking)
