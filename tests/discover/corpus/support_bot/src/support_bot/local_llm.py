"""Offline fallback: a small local model answers when the hosted API is down."""

from __future__ import annotations

from llama_cpp import Llama


def load(path: str) -> Llama:
    return Llama(model_path=path, n_ctx=2048, verbose=False)  # expect: llm-api/llama-cpp


def reply(model: Llama, prompt: str) -> str:
    out = model.create_chat_completion(  # expect: llm-api/llama-cpp
        messages=[{"role": "user", "content": prompt}], max_tokens=128
    )
    return str(out["choices"][0]["message"]["content"])
