"""Markdown report and PNG plot of an offline evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from recsys.evaluation import MODELS, EvalResult

COLUMNS = [
    "recall@10",
    "recall@20",
    "ndcg@10",
    "ndcg@20",
    "hit@10",
    "repeat_recall@10",
    "new_recall@10",
    "new_recall@20",
]
TOP_FREQ, BLEND, ALS = MODELS[1], MODELS[3], MODELS[2]


def ratios(result: EvalResult) -> dict[str, float]:
    blend, base = result.metrics[BLEND], result.metrics[TOP_FREQ]
    return {
        "recall@10 vs top-frequency": blend["recall@10"] / base["recall@10"],
        "ndcg@10 vs top-frequency": blend["ndcg@10"] / base["ndcg@10"],
        "new_recall@10 vs ALS": blend.get("new_recall@10", 0.0)
        / max(result.metrics[ALS].get("new_recall@10", 0.0), 1e-12),
        "new_recall@20 vs ALS": blend.get("new_recall@20", 0.0)
        / max(result.metrics[ALS].get("new_recall@20", 0.0), 1e-12),
    }


def markdown_table(result: EvalResult) -> str:
    lines = ["| model | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name, metrics in result.metrics.items():
        lines.append(f"| {name} | " + " | ".join(f"{metrics.get(c, 0.0):.4f}" for c in COLUMNS) + " |")
    return "\n".join(lines)


def write_report(results: list[EvalResult], out: Path, command: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        "# Restock recommender: offline evaluation",
        "",
        f"Command: `{command}`",
        "",
        "Temporal split: train on purchases before the cut-off; test = each merchant's first order after it",
        "(merchants with history before and an order after). Recall@k = hits / |target|; NDCG with binary gains;",
        "repeat/new recall = recall over target items the merchant had / had not bought before, averaged over",
        "merchants that have such items. The ranker's rounds and discovery slots were chosen on validation windows",
        "cut from each training period; its settings on an inner split of the 2011-09-01 training period (list date",
        "2011-07-03). The '+ 1 discovery slot' row is a fixed product setting shown for the trade-off,",
        "not a tuned model.",
    ]
    for result in results:
        parts += [
            "",
            f"## cut-off {result.cutoff.isoformat()} ({result.merchants} merchants)",
            "",
            markdown_table(result),
        ]
        parts += ["", "Ratios: " + ", ".join(f"{k} = {v:.3f}x" for k, v in ratios(result).items())]
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        parts += ["", f"Timings: {timing}.", "", "Model: `" + json.dumps(result.model_meta.get("metrics", {})) + "`"]
    path = out / "recsys_eval.md"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    plot(results, out / "recsys_eval.png")
    (out / "recsys_eval.json").write_text(
        json.dumps(
            [{"cutoff": r.cutoff.isoformat(), "merchants": r.merchants, "metrics": r.metrics} for r in results],
            indent=2,
        ),
        encoding="utf-8",
    )
    return path


def plot(results: list[EvalResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ["recall@10", "ndcg@10", "recall@20", "ndcg@20", "new_recall@20"]
    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        width = 0.8 / len(result.metrics)
        for n, (name, metrics) in enumerate(result.metrics.items()):
            xs = [j + n * width for j in range(len(shown))]
            ax.bar(xs, [metrics.get(c, 0.0) for c in shown], width=width, label=name)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(shown))], shown, fontsize=8)
        ax.set_title(f"cut-off {result.cutoff.isoformat()}")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
