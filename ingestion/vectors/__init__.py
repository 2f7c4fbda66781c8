"""Product vectors: embedders, the embedding cache, the vector index and the sync that keeps it current."""
