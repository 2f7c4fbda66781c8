"""The inner-split harness behind recsys/README.md's rounds: a RankerParams variant against the kept model.

    python -m evals.recsys.inner_splits run --variant xendcg --set objective='"rank_xendcg"' --seeds 7-24 \
        --out out/inner.jsonl
    python -m evals.recsys.inner_splits run --variant base --seeds 7-24 --out out/inner.jsonl
    python -m evals.recsys.inner_splits compare out/inner.jsonl

Two splits cut from training periods only, never from the test cut-offs: A lists as of 2011-07-03 and is judged on
each merchant's first order after it and before 2011-09-01; B lists as of 2011-04-02, judged before 2011-06-01. The
events are cut at the split's end, so nothing after it is seen. `run` fits the blend once per seed (the seed moves
the held-out merchants and LightGBM's sampling) and writes one JSON line per (variant, split, seed): Recall@10,
NDCG@10, new-item Recall@10 and personal top-frequency's. `compare` pairs every variant with the rows named `base`
seed by seed and prints the mean relative change, its standard error over seeds and the seeds it wins. The store
is `$S2B_HOME`'s (the demo data after `make serve` or `s2b ingest`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.db import Store
from core.settings import load_settings
from recsys.baselines import top_frequency
from recsys.data import load_purchase_events, load_titles
from recsys.evaluation import CutoffSplit, cutoff_split
from recsys.metrics import per_merchant
from recsys.model import RestockModel
from recsys.ranker import RankerParams

SPLITS = {"A": (date(2011, 7, 3), date(2011, 9, 1)), "B": (date(2011, 4, 2), date(2011, 6, 1))}
METRICS = {"recall": "recall@10", "ndcg": "ndcg@10", "new": "new_recall@10"}  # row key -> recsys.metrics name


@dataclass
class Split:
    """What every seed of one inner split shares: its events (cut at the split's end), the evaluated merchants and
    their targets (`recsys.evaluation.cutoff_split` at the list date), and top-frequency's scores."""

    list_date: date
    events: pd.DataFrame
    cut: CutoffSplit
    top_frequency: dict[str, float]

    def scores(self, items: np.ndarray) -> dict[str, float]:
        values = per_merchant(self.cut.lists(items), self.cut.targets, self.cut.bought)
        return {name: float(np.nanmean(values[key])) for name, key in METRICS.items()}


def load_split(all_events: pd.DataFrame, name: str) -> Split:
    list_date, end = SPLITS[name]
    events = all_events[all_events["ordered_at"] < pd.Timestamp(end)]
    cut = cutoff_split(events, list_date)
    split = Split(list_date, events, cut, {})
    split.top_frequency = split.scores(top_frequency(cut.stats, cut.merchants, 20))
    return split


def run_seed(split: Split, overrides: Mapping[str, Any], seed: int, titles: Mapping[str, str]) -> dict[str, Any]:
    params = replace(RankerParams(seed=seed), **overrides)
    started = time.perf_counter()
    model = RestockModel.fit(split.events, split.list_date, params, titles)
    fit_s = time.perf_counter() - started
    scores = split.scores(model.rank(split.cut.merchants, 20).items)
    row: dict[str, Any] = {"seed": seed, "fit_s": round(fit_s, 2), **scores}
    row.update({f"tf_{name}": value for name, value in split.top_frequency.items() if name != "new"})
    return row


def seeds_from(text: str) -> list[int]:
    """ "7-24" -> 7..24; "34,35,40-42" -> 34, 35, 40, 41, 42."""
    out: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


def overrides_from(pairs: Iterable[str]) -> dict[str, Any]:
    """`key=JSON` pairs -> RankerParams fields ("validation_days=[30,60,90]" becomes a tuple)."""
    fields = RankerParams().as_dict()
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in fields:
            raise SystemExit(f"--set {pair!r}: expected FIELD=JSON with FIELD one of {', '.join(sorted(fields))}")
        value = json.loads(raw)
        out[key] = tuple(value) if isinstance(value, list) else value
    return out


def compare(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Per variant and split: mean relative change against `base` over the shared seeds, (standard error), wins."""
    by: dict[tuple[str, str], dict[int, Mapping[str, Any]]] = defaultdict(dict)
    for row in rows:
        by[(row["variant"], row["split"])][row["seed"]] = row
    header = "| variant | split | seeds | Recall@10 | NDCG@10 | new-item Recall@10 | fit s (median) |"
    lines = [header, "|---" * 7 + "|"]
    for (variant, name), runs in sorted(by.items()):
        base = by.get(("base", name), {})
        seeds = sorted(set(runs) & set(base))
        if not seeds:
            continue
        if variant == "base":
            ratios = [f"{np.mean([runs[s][m] / runs[s]['tf_' + m] for s in seeds]):.4f}x" for m in ("recall", "ndcg")]
            lines.append(f"| base | {name} | {len(seeds)} | {ratios[0]} | {ratios[1]} | - | {_median_fit(runs)} |")
            continue
        cells = []
        for metric in METRICS:
            changes = [100 * (runs[s][metric] / base[s][metric] - 1) for s in seeds]
            wins = sum(runs[s][metric] > base[s][metric] for s in seeds)
            cells.append(f"{np.mean(changes):+.2f}% ({_se(changes):.2f}) {wins}/{len(seeds)}")
        lines.append(f"| {variant} | {name} | {len(seeds)} | " + " | ".join(cells) + f" | {_median_fit(runs)} |")
    return lines


def _se(values: list[float]) -> float:
    return float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")


def _median_fit(runs: Mapping[int, Mapping[str, Any]]) -> float:
    return round(float(np.median([r["fit_s"] for r in runs.values()])), 2)


def store_events(other_fix: str = "") -> tuple[pd.DataFrame, dict[str, str]]:
    """`$S2B_HOME`'s purchase events and product titles; SystemExit with the fix when the store holds no orders."""
    store = Store.from_settings(load_settings())
    events, titles = load_purchase_events(store), load_titles(store)
    if events.empty:
        raise SystemExit(f"the store holds no orders: run `make serve` or `s2b ingest orders` first{other_fix}")
    return events, titles


def _run(args: argparse.Namespace) -> None:
    overrides = overrides_from(args.set)
    events, titles = store_events()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        for name in args.split.split(","):
            split = load_split(events, name)
            for seed in seeds_from(args.seeds):
                row = {"variant": args.variant, "split": name, **run_seed(split, overrides, seed, titles)}
                out.write(json.dumps(row) + "\n")
                out.flush()
                print(json.dumps(row), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.recsys.inner_splits", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="fit one variant on the inner splits, one JSON line per seed")
    run.add_argument("--variant", required=True, help="name of the rows (`base`: the kept model, no --set)")
    run.add_argument("--set", action="append", default=[], help="RankerParams FIELD=JSON, repeatable")
    run.add_argument("--split", default="A,B")
    run.add_argument("--seeds", default="7-24")
    run.add_argument("--out", type=Path, required=True, help="JSON lines, appended to")
    table = commands.add_parser("compare", help="each variant against `base`, paired by seed")
    table.add_argument("results", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "run":
        _run(args)
    else:
        rows = [json.loads(line) for path in args.results for line in path.read_text().splitlines() if line]
        print("\n".join(compare(rows)))


if __name__ == "__main__":
    main(sys.argv[1:])
