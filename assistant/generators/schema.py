"""The JSON-schema subset the generators ask the model for, and a validator for it.

The local server constrains decoding with the schema, but a remote endpoint may not, and a reply can still be
cut short; `call_json` checks every parsed reply with `schema_errors` and asks again when it does not conform,
so "schema valid" in the eval means the structure the schema asks for, not merely parseable JSON. The
content of the strings (allowed characters, length) is left to the grounding check, which names the exact
problem (a price, a SKU...) and drives the regenerate-once loop; the local grammar enforces it anyway.
"""

from __future__ import annotations

import re
from typing import Any

# Every string the model writes: no digits, currency signs or percent signs, so the constrained decoder makes
# it impossible for the model to state a number; numbers are rendered from data. A whitelist (letters, CJK,
# spaces, ordinary punctuation): digits of every script, superscripts and currency signs are all outside it.
# No straight double quote and no newline: llama.cpp emits a pattern's characters raw inside the JSON string,
# so a `"` let the model close the string and open another array item (2-3 copy variants under maxItems 1)
# and a raw newline is invalid JSON. Curly quotes and the apostrophe stay.
PROSE_CHARS = (
    "[A-Za-z\u00c0-\u024f\u4e00-\u9fff\u3000-\u303f\uff01-\uff03\uff06-\uff0f\uff1a-\uff20"
    " ,.!?;:'()\\-&/…—~、，。！？；：“”‘’（）《》【】]"
)
NO_NUMBERS = f"^{PROSE_CHARS}*$"


def prose_schema(min_chars: int, max_chars: int) -> dict[str, Any]:
    """A string of model prose: the whitelist, with the length bound inside the pattern.

    llama.cpp's schema-to-grammar conversion ignores minLength/maxLength when a pattern is given, so a
    `[...]*` pattern let a looping model write until max_tokens cut the JSON open (invalid JSON). With
    `{min,max}` in the pattern the grammar itself closes the string, and the callers size max_tokens
    (`token_budget`) so the whole object fits. minLength/maxLength stay for validators that read them.
    """
    return {
        "type": "string",
        "minLength": min_chars,
        "maxLength": max_chars,
        "pattern": f"^{PROSE_CHARS}{{{min_chars},{max_chars}}}$",
    }


def token_budget(chars: int, lang: str) -> int:
    """Tokens that always hold `chars` characters of prose: up to ~2 tokens a CJK character, ~1 per 2 Latin."""
    return chars * 2 if lang == "zh" else chars // 2 + 8


_TYPES: dict[str, type | tuple[type, ...]] = {"object": dict, "array": list, "string": str, "integer": int}


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$", *, strings: bool = True) -> list[str]:
    """Where `value` breaks `schema` (type, enum, required, additionalProperties, item counts, bounds, and with
    `strings` also string lengths and patterns)."""
    kind = schema.get("type")
    if kind and (not isinstance(value, _TYPES[kind]) or (kind == "integer" and isinstance(value, bool))):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    errors = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {key!r}" for key in value if key not in props]
        for key, sub in props.items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{path}.{key}", strings=strings)
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            errors.append(f"{path}: {len(value)} items, allowed {schema.get('minItems', 0)}..{schema.get('maxItems')}")
        for n, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{path}[{n}]", strings=strings)
    elif isinstance(value, str) and strings:
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            errors.append(
                f"{path}: {len(value)} characters, allowed {schema.get('minLength', 0)}..{schema.get('maxLength')}"
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match the allowed characters")
    elif isinstance(value, int) and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        errors.append(f"{path}: {value} outside {schema.get('minimum')}..{schema.get('maximum')}")
    return errors
