"""The text a product is embedded from. Changing it changes every vector: bump TEXT_VERSION with it."""

from __future__ import annotations

TEXT_VERSION = "v2"  # bump when document_text changes: it is part of the embedding cache's file name


def _sentence_case(text: str) -> str:
    """ALL-CAPS catalog text -> lower case: embedders read "heart t-light holder" far better than the shout."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return text.lower() if letters and upper / len(letters) > 0.6 else text


def document_text(title: str, description: str, category: str | None) -> str:
    """What gets embedded: title, the description when it adds something, and the category."""
    parts = [title.strip()]
    if description and description.strip() and description.strip() != title.strip():
        parts.append(description.strip())
    if category and category.strip():
        parts.append(category.strip())
    return _sentence_case(" | ".join(p for p in parts if p))
