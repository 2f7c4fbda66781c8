"""Where the blend's top-10 hits come from, next to personal top-frequency's, by how long ago the merchant last bought
each listed item (and, with --titles, by whether the item's title matches a pattern).

    python -m evals.recsys.hit_breakdown --cutoff 2011-07-01 --cutoff 2011-10-15
    python -m evals.recsys.hit_breakdown --cutoff 2011-10-15 --titles 'CHRISTMAS|XMAS|SANTA|ADVENT|REINDEER'
    python -m evals.recsys.hit_breakdown --orders out/completejourney/orders.csv.gz --cutoff 2017-11-01

A diagnostic (round 26, recsys/README.md): it describes a fit of the kept model (`RankerParams()`, seed 7) at a test
cut-off and chooses nothing. Per group: the target items (the items of each evaluated merchant's first order after
the cut-off), then per model the top-10 slots it filled with items of the group, the hits among them and hits per
slot; then the same for what the blend changed: the items it puts in a merchant's top 10 that top-frequency does
not ("added"), and top-frequency's that it leaves out ("dropped"). Counts are summed over merchants, so they weigh
large target orders more than the per-merchant mean Recall@10 does. A last table groups the evaluated merchants by
their orders before the cut-off and gives each group's mean Recall@10 for both lists, the paired difference with
its standard error, and the group's share of the whole difference (round 30: where the blend's lead comes from).
The store is `$S2B_HOME`'s, or `--orders`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from evals.recsys.seed_spread import events_from
from recsys.baselines import top_frequency
from recsys.evaluation import CutoffSplit, cutoff_split
from recsys.metrics import recall_at_k
from recsys.model import RestockModel
from recsys.ranker import RankerParams

K = 10
NEVER_BOUGHT = "never bought"
# (upper bound in days since the merchant last bought the item, label), the first bound that holds
AGE_GROUPS = ((30.0, "1-30 days"), (90.0, "31-90 days"), (180.0, "91-180 days"), (float("inf"), "over 180 days"))
# (upper bound on the merchant's orders before the cut-off, label), the first bound that holds
ORDER_GROUPS = (
    (1.0, "1 order"),
    (2.0, "2 orders"),
    (3.0, "3 orders"),
    (5.0, "4-5 orders"),
    (10.0, "6-10 orders"),
    (20.0, "11-20 orders"),
    (float("inf"), "over 20 orders"),
)
Group = Callable[[str, str], str]  # (merchant id, SKU) -> group label


def age_group(days_since_last: Mapping[tuple[str, str], float]) -> Group:
    """Groups by the days since the merchant last bought the SKU before the cut-off (never bought: its own group)."""

    def group(merchant_id: str, sku: str) -> str:
        days = days_since_last.get((merchant_id, sku))
        if days is None:
            return NEVER_BOUGHT
        return next(label for bound, label in AGE_GROUPS if days <= bound)

    return group


def title_group(titles: Mapping[str, str], pattern: str) -> Group:
    """Groups by whether the SKU's title matches `pattern` (case-insensitive)."""
    compiled = re.compile(pattern, re.IGNORECASE)
    return lambda _merchant_id, sku: "title matches" if compiled.search(titles.get(sku, "")) else "other titles"


def tally(
    lists: Mapping[str, Mapping[str, Sequence[str]]], targets: Mapping[str, set[str]], group: Group, k: int = K
) -> dict[str, dict[str, Counter[str]]]:
    """Per model: slots and hits per group over the top `k` of each evaluated merchant's list; under the key
    "targets": the target items per group."""
    out: dict[str, dict[str, Counter[str]]] = {"targets": {"items": Counter()}}
    for merchant_id, items in targets.items():
        out["targets"]["items"].update(group(merchant_id, sku) for sku in items)
    for model, by_merchant in lists.items():
        slots: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        for merchant_id, items in targets.items():
            for sku in list(by_merchant.get(merchant_id, []))[:k]:
                label = group(merchant_id, sku)
                slots[label] += 1
                hits[label] += sku in items
        out[model] = {"slots": slots, "hits": hits}
    return out


def swaps(
    first: Mapping[str, Sequence[str]], second: Mapping[str, Sequence[str]], k: int = K
) -> dict[str, dict[str, list[str]]]:
    """What `first` changed against `second` per merchant: "added", its top-`k` items missing from the other's top
    `k`, and "dropped", the reverse (in list order)."""
    added, dropped = {}, {}
    for merchant_id in first.keys() | second.keys():
        top_first, top_second = list(first.get(merchant_id, []))[:k], list(second.get(merchant_id, []))[:k]
        added[merchant_id] = [sku for sku in top_first if sku not in top_second]
        dropped[merchant_id] = [sku for sku in top_second if sku not in top_first]
    return {"added": added, "dropped": dropped}


def table(cutoff: date, counts: Mapping[str, Mapping[str, Counter[str]]], first: str, second: str) -> list[str]:
    """Markdown rows: per group, the target items and each model's slots, hits and hits per slot."""
    labels = [*counts["targets"]["items"]]
    for model in (first, second):
        labels += [label for label in counts[model]["slots"] if label not in labels]
    rows = []
    for label in sorted(labels, key=_order):
        cells = [cutoff.isoformat(), label, str(counts["targets"]["items"][label])]
        for model in (first, second):
            slots, hits = counts[model]["slots"][label], counts[model]["hits"][label]
            cells += [str(slots), str(hits), f"{hits / slots:.3f}" if slots else "-"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _order(label: str) -> tuple[int, str]:
    names = [name for _, name in AGE_GROUPS] + [NEVER_BOUGHT]
    return (names.index(label), label) if label in names else (len(names), label)


def header(first: str, second: str) -> list[str]:
    return [
        f"| cut-off | group | target items | {first}: slots | hits | hits per slot "
        f"| {second}: slots | hits | hits per slot |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]


def days_since_last(cut: CutoffSplit) -> dict[tuple[str, str], float]:
    """(merchant id, SKU) -> days from the merchant's last purchase of the SKU to the cut-off."""
    history, pairs = cut.history, cut.stats.pairs
    days = history.as_of - pairs.table["last_t"].to_numpy()
    merchants, skus = history.merchant_ids[pairs.m], history.skus[pairs.i]
    return {(str(m), str(s)): float(d) for m, s, d in zip(merchants, skus, days, strict=True)}


def order_group(orders: float) -> str:
    return next(label for bound, label in ORDER_GROUPS if orders <= bound)


def merchant_rows(
    cutoff: date,
    orders_of: Mapping[str, float],
    lists: Mapping[str, Mapping[str, Sequence[str]]],
    targets: Mapping[str, set[str]],
    k: int = K,
) -> list[str]:
    """Markdown rows: per group of merchants by their orders before the cut-off, the merchants, each of the two
    lists' mean Recall@`k`, the mean paired difference (first - second) with its standard error, and the group's
    share of the difference summed over every evaluated merchant."""
    first, second = list(lists)
    merchant_ids = sorted(targets)
    recalls = {
        model: np.array([recall_at_k(lists[model].get(mid, []), targets[mid], k) for mid in merchant_ids])
        for model in (first, second)
    }
    difference = recalls[first] - recalls[second]
    labels = np.array([order_group(orders_of[mid]) for mid in merchant_ids])
    total = float(difference.sum())
    rows = []
    for _, label in ORDER_GROUPS:
        chosen = labels == label
        if not chosen.any():
            continue
        part = difference[chosen]
        error = float(part.std(ddof=1) / np.sqrt(len(part))) if len(part) > 1 else float("nan")
        share = f"{part.sum() / total:+.2f}" if total else "-"
        cells = [cutoff.isoformat(), label, str(int(chosen.sum()))]
        cells += [f"{recalls[model][chosen].mean():.4f}" for model in (first, second)]
        cells += [f"{part.mean():+.4f} ({error:.4f})", share]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def merchant_header(first: str, second: str) -> list[str]:
    return [
        f"| cut-off | orders before the cut-off | merchants | {first}: Recall@10 | {second}: Recall@10 "
        "| difference (SE) | share of the whole difference |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.recsys.hit_breakdown", description=__doc__.split("\n")[0])
    parser.add_argument("--cutoff", action="append", required=True, type=date.fromisoformat)
    parser.add_argument("--orders", type=Path, help="an Online Retail-style file instead of the store")
    parser.add_argument("--titles", help="also group by whether the title matches this regular expression")
    args = parser.parse_args(argv)
    events, titles = events_from(args.orders)
    sections: dict[str, list[str]] = {}
    for cutoff in args.cutoff:
        cut = cutoff_split(events, cutoff)
        model = RestockModel.fit(events, cutoff, RankerParams(), titles)
        lists = {
            "blend": cut.lists(model.rank(cut.merchants, K).items),
            "top-frequency": cut.lists(top_frequency(cut.stats, cut.merchants, K)),
        }
        changed = swaps(lists["blend"], lists["top-frequency"])
        groups = {"by the days since the merchant last bought the item": age_group(days_since_last(cut))}
        if args.titles:
            groups[f"by title (pattern {args.titles!r})"] = title_group(titles, args.titles)
        for name, group in groups.items():
            for what, compared in (("top 10", lists), ("what the blend changed in the top 10", changed)):
                first, second = list(compared)
                rows = sections.setdefault(f"{what}, {name}", header(first, second))
                rows += table(cutoff, tally(compared, cut.targets, group), first, second)
        n_orders = cut.stats.merchant["n_orders"].to_numpy()
        orders_of = {str(cut.history.merchant_ids[m]): float(n_orders[m]) for m in cut.merchants}
        rows = sections.setdefault(
            "mean Recall@10 by the merchant's orders before the cut-off", merchant_header(*lists)
        )
        rows += merchant_rows(cutoff, orders_of, lists, cut.targets)
    for title, rows in sections.items():
        print(f"\n{title[0].upper()}{title[1:]}:")
        print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
