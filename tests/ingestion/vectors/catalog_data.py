"""Small catalogs for the vector tests, loaded through the real catalog feed ingestion."""

from __future__ import annotations

from pathlib import Path

from core.db import Store
from ingestion.catalog import ingest_catalog

HEADER = "sku,title,description,category,price,stock,active\n"
ROWS = [
    "A1,LED FAIRY LIGHTS WARM WHITE,,lights,6.50,10,true",
    "A2,CHRISTMAS STAR FAIRY LIGHTS,,lights,3.20,0,true",
    "A3,WHITE CERAMIC MUG,,kitchen,2.40,,true",
    "A4,RED RETROSPOT MUG,,kitchen,1.25,5,false",
    "A5,圣诞节灯串 暖白,,lights,4.00,7,true",
    "A6,儿童派对礼品袋,,gift wrap,0.90,100,true",
]


def write_feed(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def load_catalog_rows(store: Store, tmp_path: Path, rows: list[str], name: str = "feed.csv") -> None:
    ingest_catalog(store, write_feed(tmp_path / name, rows))
