"""Answer a customer's billing question with a chat model.

The bot used to call https://api.openai.com/v1/completions directly; it now uses the SDK.
"""

from __future__ import annotations

import os

from openai import OpenAI

SYSTEM_PROMPT = (
    "You are ACME's billing assistant. Answer only questions about invoices, refunds and "  # expect: prompt-template/prompt-literal
    "payment methods; for anything else, hand over to a human agent."
)

openai_key = os.environ.get("OPENAI_API_KEY", "")
_client = OpenAI(api_key=openai_key)  # expect: llm-api/openai


def answer(question: str, history: list[dict[str, str]]) -> str:
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},  # expect: prompt-template/prompt-literal
        *history,
        {"role": "user", "content": question},
    ]
    reply = _client.chat.completions.create(  # expect: llm-api/openai
        model="gpt-4o-mini", messages=messages, temperature=0.2
    )
    return reply.choices[0].message.content or ""
