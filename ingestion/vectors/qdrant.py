"""The Qdrant backend of the vector index: a server (S2B_QDRANT_URL) or local mode in a folder, same code path.

Qdrant local mode is not thread-safe, so every client call is made under one lock.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.settings import Settings
from ingestion.vectors.index import IndexFilter, Payload

_POINT_NAMESPACE = uuid.UUID("6f1c1f52-4d0e-4a39-9a57-3f1f0d3c2b11")


def point_id(sku: str) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, sku))


class QdrantIndex:
    """A Qdrant collection (server or local mode); one lock around every client call."""

    def __init__(self, client: Any, collection: str, *, server: bool) -> None:
        self.client = client
        self.collection = collection
        self.server = server
        self.name = "qdrant-server" if server else "qdrant-local"
        self._lock = threading.Lock()

    @classmethod
    def local(cls, path: Path, collection: str) -> QdrantIndex:
        from qdrant_client import QdrantClient

        path.mkdir(parents=True, exist_ok=True)
        return cls(QdrantClient(path=str(path)), collection, server=False)

    @classmethod
    def server_from_settings(cls, settings: Settings, collection: str) -> QdrantIndex:
        from qdrant_client import QdrantClient

        api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return cls(QdrantClient(url=settings.qdrant_url, api_key=api_key, timeout=30), collection, server=True)

    def _vector_size(self) -> int | None:
        if not self.client.collection_exists(self.collection):
            return None
        info = self.client.get_collection(self.collection)
        vectors = info.config.params.vectors
        return int(vectors.size) if hasattr(vectors, "size") else None

    def prepare(self, dim: int) -> None:
        with self._lock:
            size = self._vector_size()
        if size != dim:
            self.reset(dim)

    def reset(self, dim: int) -> None:
        from qdrant_client import models

        with self._lock:
            if self.client.collection_exists(self.collection):
                self.client.delete_collection(self.collection)
            self.client.create_collection(
                self.collection, vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE)
            )
            if self.server:  # payload indexes only mean something to a server
                for field, schema in (
                    ("in_stock", models.PayloadSchemaType.BOOL),
                    ("price", models.PayloadSchemaType.FLOAT),
                    ("category_key", models.PayloadSchemaType.KEYWORD),
                ):
                    self.client.create_payload_index(self.collection, field, field_schema=schema)

    def upsert(self, vectors: np.ndarray, payloads: Sequence[Payload], batch: int = 512) -> None:
        from qdrant_client import models

        for start in range(0, len(payloads), batch):
            chunk = payloads[start : start + batch]
            points = [
                models.PointStruct(id=point_id(p["sku"]), vector=v.tolist(), payload=dict(p))
                for p, v in zip(chunk, vectors[start : start + batch], strict=True)
            ]
            with self._lock:
                self.client.upsert(self.collection, points=points, wait=True)

    def delete(self, skus: Sequence[str]) -> None:
        from qdrant_client import models

        if not skus:
            return
        with self._lock:
            self.client.delete(
                self.collection, points_selector=models.PointIdsList(points=[point_id(s) for s in skus]), wait=True
            )

    def payloads(self) -> dict[str, Payload]:
        out: dict[str, Payload] = {}
        offset = None
        while True:
            with self._lock:
                if not self.client.collection_exists(self.collection):
                    return out
                points, offset = self.client.scroll(
                    self.collection, limit=2048, offset=offset, with_payload=True, with_vectors=False
                )
            for point in points:
                payload: Any = point.payload or {}
                if "sku" in payload:
                    out[payload["sku"]] = payload
            if offset is None:
                return out

    def count(self) -> int:
        with self._lock:
            if not self.client.collection_exists(self.collection):
                return 0
            return int(self.client.count(self.collection, exact=True).count)

    def search(self, vector: np.ndarray, limit: int, flt: IndexFilter) -> list[tuple[str, float]]:
        with self._lock:
            response = self.client.query_points(
                self.collection,
                query=np.asarray(vector, dtype=np.float32).tolist(),
                query_filter=qdrant_filter(flt),
                limit=limit,
                with_payload=["sku"],
            )
        return [(str((p.payload or {})["sku"]), float(p.score)) for p in response.points]

    def close(self) -> None:
        with self._lock:
            self.client.close()


def qdrant_filter(flt: IndexFilter) -> Any:
    from qdrant_client import models

    if not flt.active:
        return None
    must: list[Any] = []
    if flt.in_stock:
        must.append(models.FieldCondition(key="in_stock", match=models.MatchValue(value=True)))
    if flt.max_price is not None:
        must.append(models.FieldCondition(key="price", range=models.Range(lte=flt.max_price)))
    if flt.category_key:
        must.append(models.FieldCondition(key="category_key", match=models.MatchValue(value=flt.category_key)))
    return models.Filter(must=must)
