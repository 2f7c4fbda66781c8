import hashlib
from pathlib import Path

import pandas as pd
import pytest

from evals.datasets import completejourney
from evals.datasets.completejourney import product_titles, to_order_lines
from ingestion.parse import parse_orders
from recsys.data import purchase_events


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    transactions = pd.DataFrame(
        {
            "household_id": [900, 900, 1228],
            "basket_id": [31198570044, 31198570044, 31198655051],
            "product_id": [1095275, 9878513, 1041453],
            "quantity": [2, 0, 1],
            "sales_value": [1.0, 0.0, 1.43],
            "transaction_timestamp": pd.to_datetime(
                ["2017-01-01 11:53:26", "2017-01-01 11:53:26", "2017-01-01 12:26:30"]
            ),
        }
    )
    products = pd.DataFrame(
        {
            "product_id": [1095275, 9878513, 1041453],
            "department": ["BAKERY", "DRUG GM", "GROCERY"],
            "product_category": ["ROLLS", "PAPER", None],
            "product_type": ["ROLLS: BAGELS", None, "  "],
        }
    )
    return transactions, products


def test_titles_fall_back_from_type_to_category_to_department() -> None:
    _, products = _tables()
    assert product_titles(products).to_dict() == {1095275: "ROLLS: BAGELS", 9878513: "PAPER", 1041453: "GROCERY"}


def test_order_lines_parse_with_the_ingestion_rules(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    to_order_lines(*_tables()).to_csv(path, index=False)
    parsed = parse_orders(path)
    lines = parsed.lines.sort_values("sku")
    assert parsed.rejected.empty
    assert lines["merchant_id"].tolist() == ["1228", "900", "900"]
    assert lines["sku"].tolist() == ["1041453", "1095275", "9878513"]
    assert lines["quantity"].tolist() == [1, 2, 0]
    assert lines["unit_price"].tolist() == [1.43, 0.5, 0.0]
    # a zero-quantity line is kept in the store's lines but is not a purchase
    assert sorted(purchase_events(parsed.lines)["sku"]) == ["1041453", "1095275"]


def _fake_package(root: Path, frame: pd.DataFrame) -> str:
    folder = root / "fake_cj_tables" / "data"
    folder.mkdir(parents=True)
    (folder.parent / "__init__.py").write_text("", encoding="utf-8")
    frame.to_parquet(folder / "transactions.parquet")
    return hashlib.sha256((folder / "transactions.parquet").read_bytes()).hexdigest()


def test_packaged_tables_are_checked_against_the_evaluated_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transactions, _ = _tables()
    digest = _fake_package(tmp_path, transactions)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(completejourney, "PACKAGE", "fake_cj_tables")
    monkeypatch.setattr(completejourney, "SHA256", {"transactions": "0" * 64})
    with pytest.raises(SystemExit, match="is not the evaluated"):
        completejourney.packaged_table("transactions")
    monkeypatch.setattr(completejourney, "SHA256", {"transactions": digest})
    assert completejourney.packaged_table("transactions")["basket_id"].tolist() == transactions["basket_id"].tolist()


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(completejourney, "PACKAGE", "no_such_package_s2b")
    with pytest.raises(SystemExit, match="pip install"):
        completejourney.packaged_table("transactions")


def test_unit_prices_keep_four_decimals_for_bulk_quantities() -> None:
    transactions, products = _tables()
    fuel = transactions.iloc[[2]].assign(quantity=12_000, sales_value=30.0)
    assert to_order_lines(fuel, products)["UnitPrice"].tolist() == [0.0025]
