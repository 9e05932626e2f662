"""Summarise a conversation for the human agent who takes it over (raw HTTP, no SDK)."""

from __future__ import annotations

import httpx
import requests

ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"  # expect: llm-api/anthropic
GEMINI_BASE = "https://generativelanguage.googleapis.com/v1beta"  # expect: llm-api/google-gemini
STATUS_PAGE = "https://status.acme.example/api/v2/summary.json"


def summarise(transcript: str, key: str) -> str:
    response = requests.post(  # expect: llm-api/anthropic
        ANTHROPIC_URL,
        headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
        json={
            "model": "claude-3-5-haiku-latest",
            "max_tokens": 300,
            "messages": [{"role": "user", "content": transcript}],
        },
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["content"][0]["text"])


def classify_urgency(text: str, key: str) -> str:
    with httpx.Client(timeout=10) as http:
        result = http.post(  # expect: llm-api/google-gemini
            f"{GEMINI_BASE}/models/gemini-1.5-flash:generateContent?key={key}",
            json={"contents": [{"parts": [{"text": text}]}]},
        )
    return str(result.json())


def service_is_up() -> bool:
    return requests.get(STATUS_PAGE, timeout=5).ok
