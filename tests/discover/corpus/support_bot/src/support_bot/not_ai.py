"""Helpers that only talk about AI vendors: none of this is AI usage.

Set OPENAI_API_KEY (see https://platform.openai.com) before starting the bot.
"""

from __future__ import annotations

import os

# import openai
# from anthropic import Anthropic
openai_key = os.environ.get("OPENAI_API_KEY")
anthropic_model_name = "claude-3-5-haiku-latest"
VENDORS = ["OpenAI", "Anthropic", "Mistral AI", "Cohere"]
HELP = "This bot uses OpenAI models through the openai package; set OPENAI_API_KEY."
LOOKALIKE = "https://api.openai.com.evil.example/v1/chat"
DOCS = "see api.openai.com/docs for the rate limits"


class Forecast:
    """Not a model: a moving average with a fit/predict interface."""

    def fit(self, values: list[float]) -> Forecast:
        self.mean = sum(values) / len(values)
        return self

    def predict(self, horizon: int) -> list[float]:
        return [self.mean] * horizon


def weekly_tickets(counts: list[float]) -> list[float]:
    return Forecast().fit(counts).predict(7)
