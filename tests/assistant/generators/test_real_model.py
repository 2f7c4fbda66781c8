"""End to end through the real embedded model (marker `llm`): assembles the packaged GGUF, starts llama.cpp."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.generators.copy import generate_copy
from assistant.generators.deps import GeneratorDeps
from assistant.generators.drafts import CopyDraft, ReplyDraft, RestockDraft
from assistant.generators.evaluation import count_invented
from assistant.generators.reply import generate_reply
from assistant.generators.restock import generate_restock
from assistant.llm.factory import local_runtime, make_chat_model, start_local_model
from assistant.llm.packaged import installed_variants

pytestmark = [pytest.mark.llm, pytest.mark.slow]


@pytest.fixture
def real_deps(deps: GeneratorDeps) -> Iterator[GeneratorDeps]:
    variant = deps.settings.llm_local_variant
    if not installed_variants()[variant]:
        pytest.skip(f"the {variant} model part packages are not installed (see `s2b llm status` for the pip command)")
    model = make_chat_model(deps.settings)
    start_local_model(model)
    assert model.health().startswith(f"{model.model_name} at http://127.0.0.1:")  # the server serves it by its alias
    deps.llm = model
    yield deps
    model.close()
    runtime = local_runtime(model)
    assert runtime is not None and runtime.server is not None and not runtime.server.running


def _honest(deps: GeneratorDeps, draft: RestockDraft | CopyDraft | ReplyDraft) -> None:
    assert draft.model.startswith("qwen2.5-coder") and draft.latency_s > 0
    assert draft.flagged == (not draft.grounding.passed)
    assert draft.flagged == bool(draft.grounding.problems)
    if not draft.flagged:
        texts = [v.text for v in draft.variants] if isinstance(draft, CopyDraft) else [draft.text]
        assert all(count_invented(deps, draft, t) == [] for t in texts)


def test_each_generator_end_to_end(real_deps: GeneratorDeps) -> None:
    restock = generate_restock(real_deps, "m-zh", k=2)
    _honest(real_deps, restock)
    assert restock.language == "zh" and [i.quantity for i in restock.items] == [12, 2]

    copy = generate_copy(real_deps, "m-en", skus=["22423"], channel="sms", lang="en", variants=1)
    _honest(real_deps, copy)
    assert all(v.chars <= copy.max_chars for v in copy.variants) and "£24.99" in copy.variants[0].text

    reply = generate_reply(real_deps, "m-en", "When will my order arrive? It has been two weeks.")
    _honest(real_deps, reply)
    assert reply.needs_human and reply.language == "en"
