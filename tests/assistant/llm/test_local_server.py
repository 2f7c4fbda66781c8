from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest

from assistant.llm.base import LLMError
from assistant.llm.local_server import LocalLlamaServer

FAKE = Path(__file__).resolve().parent / "fake_openai_server.py"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalLlamaServer:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return LocalLlamaServer(model_path=tmp_path / "m.gguf", alias="m", command=[sys.executable, str(FAKE)])


def test_starts_on_first_need_and_reuses(server: LocalLlamaServer) -> None:
    assert not server.running
    url = server.ensure()
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(url + "/health").status_code == 200
    assert server.ensure() == url and server.starts == 1
    server.stop()
    assert not server.running and server.url is None


def test_restarts_after_the_child_dies(server: LocalLlamaServer) -> None:
    server.ensure()
    pid = server.pid
    assert server._proc is not None
    server._proc.kill()
    server._proc.wait()
    url = server.ensure()
    assert server.starts == 2 and server.pid != pid
    assert httpx.get(url + "/health").status_code == 200
    server.stop()


def test_failed_start_reports_output(tmp_path: Path) -> None:
    broken = LocalLlamaServer(
        model_path=tmp_path / "m.gguf", alias="m", command=[sys.executable, "-c", "print('boom: no model'); exit(3)"]
    )
    with pytest.raises(LLMError, match="boom: no model"):
        broken.ensure()
    assert not broken.running


def test_ready_marker_glued_to_a_native_log_line_is_found(tmp_path: Path) -> None:
    """llama.cpp writes its own logs to the same pipe, so the marker can share a line with them."""
    from assistant.llm.local_server import _READY

    glued = "srv  load_model: loading model 'm.gguf'READY http://127.0.0.1:41234/ main: server is listening"
    assert _READY.search(glued) is not None
    assert _READY.search("main: model loaded") is None


def test_url_comes_from_the_chosen_port_even_when_logs_garble_the_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen live: native log digits glued onto the marker's port ("READY http://127.0.0.1:486110.02.007.038")."""
    script = tmp_path / "garbled.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from fake_openai_server import FakeOpenAI\n"
        "port = int(sys.argv[sys.argv.index('--port') + 1])\n"
        "server = FakeOpenAI(port=port)\n"
        "print(f'READY {server.url}0.02.007.038 I srv  update_slots: all slots are idle', flush=True)\n"
        "sys.stdin.read()\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    server = LocalLlamaServer(model_path=tmp_path / "m.gguf", alias="m", command=[sys.executable, str(script)])
    try:
        url = server.ensure()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d{1,5}", url)
        assert httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    finally:
        server.stop()
