"""What the scanner knows: libraries, packages and API hosts that mean AI usage.

One table per language, keyed by the name that appears in code (a Python module, an npm
package, a Java package prefix, a Go import path). Each entry names the provider or
library reported and its family, which decides what a call into it means:

``llm``      a large language model is called (hosted SDK, LLM framework or local runtime)
``agent``    an agent framework (also calls an LLM; the candidate is guessed an agent)
``train``    an ML library whose fit/train calls train and whose predict calls infer
``infer``    an ML runtime or tool that applies a model (inference only)
``hf``       Hugging Face transformers: inference, or LLM use for generative classes/tasks
``loader``   a generic deserializer: counts only when what it loaded is asked to predict
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "API_HOST_PATTERN",
    "GO_PACKAGES",
    "JAVA_PACKAGES",
    "JS_PACKAGES",
    "PY_MODULES",
    "Library",
    "host_provider",
    "lookup_prefix",
]


@dataclass(frozen=True)
class Library:
    provider: str
    family: str


_LLM = "llm"
_AGENT = "agent"
_TRAIN = "train"
_INFER = "infer"
_HF = "hf"
_LOADER = "loader"


def _lib(provider: str, family: str) -> Library:
    return Library(provider, family)


#: Python top-level modules (or dotted prefixes); the longest matching prefix wins.
PY_MODULES: dict[str, Library] = {
    "openai": _lib("openai", _LLM),
    "anthropic": _lib("anthropic", _LLM),
    "google.generativeai": _lib("google-gemini", _LLM),
    "google.genai": _lib("google-gemini", _LLM),
    "vertexai": _lib("google-vertex-ai", _LLM),
    "cohere": _lib("cohere", _LLM),
    "mistralai": _lib("mistral", _LLM),
    "groq": _lib("groq", _LLM),
    "ollama": _lib("ollama", _LLM),
    "litellm": _lib("litellm", _LLM),
    "langchain": _lib("langchain", _LLM),
    "langchain_core": _lib("langchain", _LLM),
    "langchain_community": _lib("langchain", _LLM),
    "langchain_openai": _lib("langchain", _LLM),
    "langchain_anthropic": _lib("langchain", _LLM),
    "langchain_google_genai": _lib("langchain", _LLM),
    "langchain_mistralai": _lib("langchain", _LLM),
    "langchain_aws": _lib("langchain", _LLM),
    "langchain_ollama": _lib("langchain", _LLM),
    "langchain_huggingface": _lib("langchain", _LLM),
    "langgraph": _lib("langgraph", _AGENT),
    "crewai": _lib("crewai", _AGENT),
    "autogen": _lib("autogen", _AGENT),
    "autogen_agentchat": _lib("autogen", _AGENT),
    "llama_index": _lib("llama-index", _LLM),
    "vllm": _lib("vllm", _LLM),
    "llama_cpp": _lib("llama-cpp", _LLM),
    "transformers": _lib("huggingface-transformers", _HF),
    "sentence_transformers": _lib("sentence-transformers", _INFER),
    "onnxruntime": _lib("onnxruntime", _INFER),
    "shap": _lib("shap", _INFER),
    "lime": _lib("lime", _INFER),
    "sklearn": _lib("scikit-learn", _TRAIN),
    "xgboost": _lib("xgboost", _TRAIN),
    "lightgbm": _lib("lightgbm", _TRAIN),
    "catboost": _lib("catboost", _TRAIN),
    "torch": _lib("pytorch", _TRAIN),
    "tensorflow": _lib("tensorflow", _TRAIN),
    "keras": _lib("keras", _TRAIN),
    "tensorflow.keras": _lib("keras", _TRAIN),
    # Loaders: only ``.predict`` on what they load counts (a stored model being applied).
    "joblib": _lib("joblib", _LOADER),
    "pickle": _lib("pickle", _LOADER),
    "cloudpickle": _lib("cloudpickle", _LOADER),
    "dill": _lib("dill", _LOADER),
    "skops": _lib("skops", _LOADER),
    "mlflow": _lib("mlflow", _LOADER),
}

#: npm package names (exact) and scopes (ending in ``/``).
JS_PACKAGES: dict[str, Library] = {
    "openai": _lib("openai", _LLM),
    "@azure/openai": _lib("azure-openai", _LLM),
    "@anthropic-ai/sdk": _lib("anthropic", _LLM),
    "@google/generative-ai": _lib("google-gemini", _LLM),
    "@google/genai": _lib("google-gemini", _LLM),
    "@google-cloud/vertexai": _lib("google-vertex-ai", _LLM),
    "cohere-ai": _lib("cohere", _LLM),
    "@mistralai/mistralai": _lib("mistral", _LLM),
    "groq-sdk": _lib("groq", _LLM),
    "ollama": _lib("ollama", _LLM),
    "replicate": _lib("replicate", _LLM),
    "@aws-sdk/client-bedrock-runtime": _lib("aws-bedrock", _LLM),
    "langchain": _lib("langchain", _LLM),
    "@langchain/": _lib("langchain", _LLM),
    "@langchain/langgraph": _lib("langgraph", _AGENT),
    "llamaindex": _lib("llama-index", _LLM),
    "ai": _lib("vercel-ai-sdk", _LLM),
    "@ai-sdk/": _lib("vercel-ai-sdk", _LLM),
    "@huggingface/inference": _lib("huggingface", _LLM),
    "@xenova/transformers": _lib("huggingface-transformers", _INFER),
    "@huggingface/transformers": _lib("huggingface-transformers", _INFER),
    "@tensorflow/": _lib("tensorflow", _TRAIN),
    "onnxruntime-node": _lib("onnxruntime", _INFER),
    "onnxruntime-web": _lib("onnxruntime", _INFER),
}

#: Java (and Kotlin) package prefixes, matched at a dot boundary.
JAVA_PACKAGES: dict[str, Library] = {
    "com.openai": _lib("openai", _LLM),
    "com.theokanning.openai": _lib("openai", _LLM),
    "io.github.sashirestela.openai": _lib("openai", _LLM),
    "com.azure.ai.openai": _lib("azure-openai", _LLM),
    "com.anthropic": _lib("anthropic", _LLM),
    "com.google.genai": _lib("google-gemini", _LLM),
    "com.google.cloud.vertexai": _lib("google-vertex-ai", _LLM),
    "com.cohere": _lib("cohere", _LLM),
    "software.amazon.awssdk.services.bedrockruntime": _lib("aws-bedrock", _LLM),
    "dev.langchain4j": _lib("langchain4j", _LLM),
    "org.springframework.ai": _lib("spring-ai", _LLM),
    "io.github.ollama4j": _lib("ollama", _LLM),
    "ai.djl": _lib("djl", _INFER),
    "ai.onnxruntime": _lib("onnxruntime", _INFER),
    "org.tensorflow": _lib("tensorflow", _TRAIN),
    "org.deeplearning4j": _lib("deeplearning4j", _TRAIN),
    "ml.dmlc.xgboost4j": _lib("xgboost", _TRAIN),
    "smile.classification": _lib("smile", _TRAIN),
    "smile.regression": _lib("smile", _TRAIN),
    "weka.classifiers": _lib("weka", _TRAIN),
}

#: Go import paths, matched at a ``/`` boundary.
GO_PACKAGES: dict[str, Library] = {
    "github.com/sashabaranov/go-openai": _lib("openai", _LLM),
    "github.com/openai/openai-go": _lib("openai", _LLM),
    "github.com/anthropics/anthropic-sdk-go": _lib("anthropic", _LLM),
    "github.com/liushuangls/go-anthropic": _lib("anthropic", _LLM),
    "github.com/google/generative-ai-go": _lib("google-gemini", _LLM),
    "google.golang.org/genai": _lib("google-gemini", _LLM),
    "cloud.google.com/go/vertexai": _lib("google-vertex-ai", _LLM),
    "github.com/cohere-ai/cohere-go": _lib("cohere", _LLM),
    "github.com/aws/aws-sdk-go-v2/service/bedrockruntime": _lib("aws-bedrock", _LLM),
    "github.com/tmc/langchaingo": _lib("langchaingo", _LLM),
    "github.com/ollama/ollama/api": _lib("ollama", _LLM),
    "github.com/firebase/genkit/go": _lib("genkit", _LLM),
    "github.com/yalue/onnxruntime_go": _lib("onnxruntime", _INFER),
    "github.com/tensorflow/tensorflow/tensorflow/go": _lib("tensorflow", _INFER),
    "gorgonia.org/gorgonia": _lib("gorgonia", _TRAIN),
    "github.com/sjwhitworth/golearn": _lib("golearn", _TRAIN),
}

# Hosts of model APIs, as they appear in endpoint URLs. Matched only inside a URL
# (after ``://``), so prose that names a vendor is not a hit.
_HOSTS: tuple[tuple[str, str], ...] = (
    (r"api\.openai\.com", "openai"),
    (r"[a-z0-9-]+\.openai\.azure\.com", "azure-openai"),
    (r"api\.anthropic\.com", "anthropic"),
    (r"generativelanguage\.googleapis\.com", "google-gemini"),
    (r"(?:[a-z0-9-]+-)?aiplatform\.googleapis\.com", "google-vertex-ai"),
    (r"api\.cohere\.(?:ai|com)", "cohere"),
    (r"api\.mistral\.ai", "mistral"),
    (r"bedrock-runtime(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com", "aws-bedrock"),
    (r"api\.groq\.com", "groq"),
    (r"api\.together\.(?:xyz|ai)", "together"),
    (r"api\.deepseek\.com", "deepseek"),
    (r"api\.x\.ai", "xai"),
    (r"api\.perplexity\.ai", "perplexity"),
    (r"api\.fireworks\.ai", "fireworks"),
    (r"openrouter\.ai", "openrouter"),
    (r"api-inference\.huggingface\.co", "huggingface"),
    (r"router\.huggingface\.co", "huggingface"),
    (r"api\.replicate\.com", "replicate"),
)

API_HOST_PATTERN = re.compile(
    r"(?i)(?:https?|wss?)://(" + "|".join(f"(?:{p})" for p, _ in _HOSTS) + r")(?=[/:?#\"'`\s]|$)"
)
_HOST_RES = tuple((re.compile(rf"(?i)^(?:{p})$"), name) for p, name in _HOSTS)


def host_provider(text: str) -> tuple[str, str] | None:
    """The first model-API host in a URL inside ``text``, and its provider."""
    found = API_HOST_PATTERN.search(text)
    if found is None:
        return None
    host = found.group(1)
    for pattern, name in _HOST_RES:
        if pattern.match(host):
            return host.lower(), name
    return None  # pragma: no cover - every alternative of the pattern is in _HOSTS


def lookup_prefix(name: str, table: dict[str, Library], sep: str) -> Library | None:
    """The entry for ``name``: exact, a scope (``@x/``), or the longest ``sep`` prefix."""
    if name in table:
        return table[name]
    best: tuple[int, Library] | None = None
    for key, library in table.items():
        scope = key.endswith("/") and name.startswith(key)
        if not (scope or name.startswith(key + sep)):
            continue
        hit = len(key)
        if best is None or hit > best[0]:
            best = (hit, library)
    return best[1] if best else None
