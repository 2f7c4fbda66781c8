"""Chat time to first token against the running service, with the real model.

    KEY=$(python -c "import json;print(json.load(open('$S2B_HOME/demo_key.json'))['key'])")
    .venv/bin/python benchmarks/api_chat_ttft.py --key $KEY --turns 5

Two kinds of turns, one after another (the local model serves one request at a time):
  routed  — a free-text question: the LLM routes it (JSON action), the tool runs, the LLM streams the answer;
  quick   — the Restock-list quick action: no routing call, the tool runs, the LLM streams the answer.
Reports, per kind, the median over turns of: first text on screen (the code-rendered sentence from data),
first LLM token, and the whole turn.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import httpx

QUESTIONS = [
    "What should I restock this week?",
    "Find me some Christmas decorations",
    "How much did I spend in the last 90 days?",
    "帮我找一下蛋糕架",
    "这周该补什么货？",
]


def turn(client: httpx.Client, body: dict[str, Any]) -> dict[str, float | None]:
    started = time.perf_counter()
    first_text = first_llm = None
    name = ""
    with client.stream("POST", "/v1/chat", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name == "token":
                now = time.perf_counter() - started
                first_text = first_text if first_text is not None else now
                if first_llm is None and json.loads(line[6:]).get("source") != "data":
                    first_llm = now
            elif line.startswith("data: ") and name == "error":
                raise RuntimeError(line)
    return {"first_text": first_text, "first_llm_token": first_llm, "total": time.perf_counter() - started}


def median(rows: list[dict[str, float | None]], field: str) -> str:
    values = [v for r in rows if (v := r[field]) is not None]
    return f"{statistics.median(values):8.2f}" if values else "       —"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="a merchant key (e.g. the demo key)")
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"}
    results: dict[str, list[dict[str, float | None]]] = {"routed": [], "quick": []}
    with httpx.Client(base_url=args.base_url, headers=headers, timeout=600) as client:
        for i in range(args.turns):
            results["routed"].append(turn(client, {"message": QUESTIONS[i % len(QUESTIONS)]}))
            results["quick"].append(turn(client, {"message": "Restock list", "action": "restock_list", "lang": "en"}))
            print(f"turn {i + 1}: routed {results['routed'][-1]}  quick {results['quick'][-1]}", flush=True)
    print(f"\nmedian seconds over {args.turns} turns each")
    print(f"{'kind':8} {'first text':>10} {'first LLM token':>16} {'whole turn':>10}")
    for kind, rows in results.items():
        first, llm, total = (median(rows, f) for f in ("first_text", "first_llm_token", "total"))
        print(f"{kind:8} {first:>10} {llm:>16} {total:>10}")


if __name__ == "__main__":
    main()
