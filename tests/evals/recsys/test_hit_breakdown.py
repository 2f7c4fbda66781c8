from __future__ import annotations

from datetime import date

from evals.recsys.hit_breakdown import (
    NEVER_BOUGHT,
    age_group,
    header,
    merchant_rows,
    order_group,
    swaps,
    table,
    tally,
    title_group,
)

LAST_BOUGHT = {("m1", "A"): 3.0, ("m1", "B"): 45.0, ("m1", "C"): 400.0, ("m2", "A"): 30.0}
TARGETS = {"m1": {"A", "C", "N"}, "m2": {"A", "Z"}}
LISTS = {"blend": {"m1": ["A", "N", "B"], "m2": ["Z", "A"]}, "top": {"m1": ["B", "A", "C"], "m2": ["A"], "m3": ["A"]}}


def test_age_group_uses_the_first_bound_that_holds_and_a_group_for_never_bought_items() -> None:
    group = age_group(LAST_BOUGHT)
    assert [group("m1", sku) for sku in "ABCN"] == ["1-30 days", "31-90 days", "over 180 days", NEVER_BOUGHT]
    assert group("m2", "A") == "1-30 days"  # 30 days is still within the first bound


def test_tally_counts_slots_and_hits_per_group_over_evaluated_merchants_only() -> None:
    counts = tally(LISTS, TARGETS, age_group(LAST_BOUGHT), k=2)
    assert counts["targets"]["items"] == {"1-30 days": 2, "over 180 days": 1, NEVER_BOUGHT: 2}
    blend = counts["blend"]
    assert blend["slots"] == {"1-30 days": 2, NEVER_BOUGHT: 2}  # B is third: beyond k
    assert blend["hits"] == {"1-30 days": 2, NEVER_BOUGHT: 2}
    top = counts["top"]  # m3 has no target order: not counted
    assert top["slots"] == {"31-90 days": 1, "1-30 days": 2}
    assert top["hits"] == {"31-90 days": 0, "1-30 days": 2}


def test_table_orders_the_groups_by_age_and_gives_hits_per_slot() -> None:
    counts = tally(LISTS, TARGETS, age_group(LAST_BOUGHT), k=3)
    rows = table(date(2011, 10, 15), counts, "blend", "top")
    assert len(header("blend", "top")) == 2
    assert rows == [
        "| 2011-10-15 | 1-30 days | 2 | 2 | 2 | 1.000 | 2 | 2 | 1.000 |",
        "| 2011-10-15 | 31-90 days | 0 | 1 | 0 | 0.000 | 1 | 0 | 0.000 |",
        "| 2011-10-15 | over 180 days | 1 | 0 | 0 | - | 1 | 1 | 1.000 |",
        f"| 2011-10-15 | {NEVER_BOUGHT} | 2 | 2 | 2 | 1.000 | 0 | 0 | - |",
    ]


def test_title_group_matches_case_insensitively_and_treats_unknown_skus_as_other() -> None:
    group = title_group({"A": "Paper Christmas star", "B": "TEA CUP"}, "christmas|xmas")
    assert [group("m1", sku) for sku in "ABX"] == ["title matches", "other titles", "other titles"]


def test_swaps_lists_what_the_first_model_added_to_and_dropped_from_the_second_models_top_k() -> None:
    changed = swaps(LISTS["blend"], LISTS["top"], k=2)
    assert changed["added"] == {"m1": ["N"], "m2": ["Z"], "m3": []}
    assert changed["dropped"] == {"m1": ["B"], "m2": [], "m3": ["A"]}
    counts = tally(changed, TARGETS, age_group(LAST_BOUGHT), k=2)
    assert counts["added"]["hits"] == {NEVER_BOUGHT: 2}
    assert counts["dropped"]["hits"] == {"31-90 days": 0}


def test_order_group_uses_the_first_bound_that_holds() -> None:
    assert [order_group(n) for n in (1, 2, 3, 4, 5, 6, 10, 11, 20, 21)] == [
        "1 order", "2 orders", "3 orders", "4-5 orders", "4-5 orders",
        "6-10 orders", "6-10 orders", "11-20 orders", "11-20 orders", "over 20 orders",
    ]  # fmt: skip


def test_merchant_rows_give_each_groups_mean_recalls_paired_difference_and_share() -> None:
    targets = {"a": {"X", "Y"}, "b": {"X"}, "c": {"Y", "Z"}, "d": {"Z"}}
    lists = {
        "blend": {"a": ["X", "Y"], "b": ["Q"], "c": ["Y"], "d": ["Z"]},
        "top": {"a": ["X"], "b": ["X"], "c": [], "e": ["Z"]},  # d has no list: recall 0; e is not evaluated
    }
    orders = {"a": 1.0, "b": 1.0, "c": 7.0, "d": 25.0}
    rows = merchant_rows(date(2011, 9, 1), orders, lists, targets, k=10)
    # differences: a 1 - 0.5 = +0.5, b 0 - 1 = -1 (group mean -0.25, SE 0.75); c +0.5; d +1; total +1.0
    assert rows == [
        "| 2011-09-01 | 1 order | 2 | 0.5000 | 0.7500 | -0.2500 (0.7500) | -0.50 |",
        "| 2011-09-01 | 6-10 orders | 1 | 0.5000 | 0.0000 | +0.5000 (nan) | +0.50 |",
        "| 2011-09-01 | over 20 orders | 1 | 1.0000 | 0.0000 | +1.0000 (nan) | +1.00 |",
    ]
