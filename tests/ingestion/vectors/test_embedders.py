from __future__ import annotations

import numpy as np
import pytest

from ingestion.vectors.embedders import EmbedderError, HashEmbedder, get_embedder
from ingestion.vectors.text import document_text


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    emb = HashEmbedder()
    a = emb.embed_documents(["red retrospot mug", "fairy lights"])
    b = emb.embed_documents(["red retrospot mug", "fairy lights"])
    assert a.shape == (2, emb.dim) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(emb.embed_query("red retrospot mug"), a[0], rtol=1e-6)


def test_hash_embedder_shared_tokens_score_higher() -> None:
    emb = HashEmbedder()
    q = emb.embed_query("red mug")
    docs = emb.embed_documents(["RED RETROSPOT MUG", "LED FAIRY LIGHTS", "圣诞节灯串"])
    scores = docs @ q
    assert scores[0] > scores[1] and scores[0] > scores[2]
    zh = emb.embed_documents(["圣诞节灯串"])[0] @ emb.embed_query("圣诞灯")
    assert zh > 0.5  # CJK characters are tokens of their own


def test_unknown_embedder_says_how_to_fix() -> None:
    with pytest.raises(EmbedderError, match="S2B_EMBEDDER"):
        get_embedder("word2vec")


def test_get_embedder_shares_one_instance() -> None:
    assert get_embedder("hash") is get_embedder(" hash ")


def test_document_text_lower_cases_shouting_titles_only() -> None:
    assert document_text("WHITE HANGING HEART T-LIGHT HOLDER", "WHITE HANGING HEART T-LIGHT HOLDER", None) == (
        "white hanging heart t-light holder"
    )
    assert document_text("Fairy lights", "10m warm white", "Lights") == "Fairy lights | 10m warm white | Lights"
    assert document_text("LED圣诞灯串", "", None) == "LED圣诞灯串"


def test_default_embedder_serves_chinese_and_english_over_english_titles() -> None:
    """The real default (USE multilingual, ~2 s to load) on a tiny catalog: zh and en queries find the product."""
    emb = get_embedder("use-multilingual")
    titles = [
        "christmas lights 10 reindeer",
        "red retrospot mug",
        "lunch bag woodland",
        "set of 3 heart cookie cutters",
    ]
    docs = emb.embed_documents(titles)
    for query, expected in [
        ("fairy lights for a christmas window", 0),
        ("圣诞节橱窗灯串", 0),
        ("咖啡杯", 1),
        ("午餐袋", 2),
        ("饼干模具", 3),
    ]:
        assert int(np.argmax(docs @ emb.embed_query(query))) == expected, query
