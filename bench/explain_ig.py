"""Ombud's integrated gradients on the MiniLM text model vs the bare Captum call, per text.

Run: ``python bench/explain_ig.py [--texts 8] [--repeat 2]`` (a few minutes on 2 cores).
It fits the logistic head on MiniLM embeddings of Ombud's labelled red-team responses
(refusal or not), then times, in one process and on the same texts, each the fastest of
``--repeat`` runs:

1. bare Captum: one ``LayerIntegratedGradients.attribute`` call per text at 50
   Gauss-Legendre steps with the convergence delta (what a user of Captum would write);
2. ``ombud.explain.explain_text_ig`` (tokenising, the baseline text, outputs recomputed,
   the per-text convergence loop, the frozen result): converged at 50 steps here;
3. the same with a tolerance of 1e-5, which forces ``n_steps`` up (50 -> 100 -> ...);
4. ``attention_maps`` (attention per layer and head, and rollout).

It prints a Markdown table for bench/RESULTS.md. A script, not a test.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import torch
from captum.attr import LayerIntegratedGradients

from ombud.explain import attention_maps, explain_text_ig, fit_text_head, text_model
from ombud.redteam import load_labels


def _best(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rows = [r for r in load_labels() if "refusal" in r.labels]
    head = fit_text_head([r.response for r in rows], [r.labels["refusal"] for r in rows])
    model = text_model(head)
    texts = [r.response for r in rows][:: max(1, len(rows) // args.texts)][: args.texts]
    tokens = sum(len(model.encode([t], pad=False).tokens[0]) for t in texts)

    def bare() -> list[float]:
        lig = LayerIntegratedGradients(model.classifier, model.classifier.encoder.word_embeddings)
        deltas = []
        torch.set_num_threads(1)
        for text in texts:
            e = model.encode([text], pad=False)
            special = (e.ids == 101) | (e.ids == 102)
            ref = torch.where(special, e.ids, torch.zeros_like(e.ids))
            _, delta = lig.attribute(
                e.ids,
                baselines=ref,
                additional_forward_args=(e.mask,),
                n_steps=50,
                internal_batch_size=50,
                return_convergence_delta=True,
            )
            deltas.append(float(delta[0]))
        return deltas

    timings = [
        ("bare Captum LayerIntegratedGradients, 50 steps", *_best(bare, args.repeat)),
        (
            "ombud explain_text_ig (tolerance 0.01)",
            *_best(lambda: explain_text_ig(model, texts), args.repeat),
        ),
        (
            "ombud explain_text_ig (tolerance 1e-5: steps raised)",
            *_best(lambda: explain_text_ig(model, texts, tolerance=1e-5), args.repeat),
        ),
        ("ombud attention_maps (with rollout)", *_best(lambda: attention_maps(model, texts), 1)),
    ]
    base = timings[0][1]
    print(f"{len(texts)} texts, {tokens} tokens in all; torch {torch.__version__}, 1 thread\n")
    print("| what | seconds | per text | vs bare Captum | quality |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, seconds, result in timings:
        quality = getattr(getattr(result, "quality", None), "describe", lambda: "")()
        if isinstance(result, list):
            quality = f"max |delta| {max(abs(d) for d in result):.2g} (not checked by Captum)"
        print(
            f"| {label} | {seconds:.1f} | {seconds / len(texts):.2f} | "
            f"{seconds / base:.2f}x | {quality} |"
        )


if __name__ == "__main__":
    main()
