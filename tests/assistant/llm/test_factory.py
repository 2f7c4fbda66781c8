from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.llm.base import LLMError
from assistant.llm.factory import local_runtime, local_threads, make_chat_model
from core.settings import load_settings


def test_remote_endpoint_needs_a_model_name(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, llm_base_url="http://example.test/v1")
    with pytest.raises(LLMError, match="S2B_LLM_MODEL"):
        make_chat_model(settings)


def test_remote_endpoint(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, llm_base_url="http://example.test/v1", llm_model="gpt-x", llm_api_key="k")
    model = make_chat_model(settings)
    assert model.model_name == "gpt-x" and not model.local and local_runtime(model) is None
    assert model.api_key == "k" and model.base_url == "http://example.test/v1"


def test_local_model_is_lazy(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, llm_local_variant="0.5b")
    model = make_chat_model(settings)
    runtime = local_runtime(model)
    assert model.local and runtime is not None and runtime.server is None
    assert model.model_name == "qwen2.5-coder-0.5b-instruct-q4_k_m"
    model.close()  # nothing started, nothing to stop


def test_threads_from_settings_capped_at_the_cores(tmp_path: Path) -> None:
    cores = os.cpu_count() or 1
    assert local_threads(load_settings(home=tmp_path)) == min(2, cores)
    assert local_threads(load_settings(home=tmp_path, llm_threads=1)) == 1
    assert local_threads(load_settings(home=tmp_path, llm_threads=256)) == cores
