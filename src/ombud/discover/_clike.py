"""JavaScript/TypeScript, Java/Kotlin and Go: a small lexer, then careful patterns.

No parser for these languages is at hand in Python, so the lexer does the part that
matters for precision: it tells code from comments and string literals. Comments are
blanked (a commented-out ``import`` is not usage) but searched for ``ombud:`` markers;
string literals are kept whole and listed, so endpoint URLs are found only in strings and
``import ... from 'pkg'`` only in code.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ombud.discover._catalog import (
    GO_PACKAGES,
    JAVA_PACKAGES,
    JS_PACKAGES,
    Library,
    host_provider,
    lookup_prefix,
)
from ombud.discover._model import Confidence, HitKind
from ombud.discover._python import MIN_PROMPT_CHARS, RawHit, looks_like_prompt

__all__ = ["Lexed", "lex", "markers_in", "scan_clike"]

_MARKER = re.compile(r"\bombud:\s*([a-z0-9][a-z0-9-]{1,62}[a-z0-9])\b")
# A '/' after one of these (or at the start) opens a JavaScript regular expression literal.
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_KEYWORDS = ("return", "typeof", "case", "do", "else", "in", "of", "void", "yield")


@dataclass(frozen=True)
class Lexed:
    """``code``: the source with comments blanked (newlines kept, so lines still count)."""

    code: str
    strings: tuple[tuple[int, str], ...]  # (line, literal text without quotes)
    comments: tuple[tuple[int, str], ...]
    string_starts: tuple[int, ...] = ()  # offsets in ``code`` where literals start
    string_ends: tuple[int, ...] = ()

    def in_string(self, offset: int) -> bool:
        """Whether ``offset`` of ``code`` lies inside a string literal."""
        i = bisect.bisect_right(self.string_starts, offset) - 1
        return i >= 0 and offset < self.string_ends[i]


def lex(source: str, language: str) -> Lexed:
    """Split ``source`` into code, string literals and comments in one pass."""
    out: list[str] = []
    strings: list[tuple[int, str]] = []
    comments: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    i, n, line = 0, len(source), 1
    last_significant = ""
    while i < n:
        c = source[i]
        two = source[i : i + 2]
        if two == "//":
            end = source.find("\n", i)
            end = n if end < 0 else end
            comments.append((line, source[i:end]))
            out.append(" " * (end - i))
            i = end
            continue
        if two == "/*":
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            text = source[i:end]
            comments.append((line, text))
            out.append(re.sub(r"[^\n]", " ", text))
            line += text.count("\n")
            i = end
            continue
        text_block = language == "java" and source.startswith('"""', i)
        if text_block or c in "\"'" or (c == "`" and language in ("js", "go")):
            quote = '"""' if source.startswith('"""', i) and language == "java" else c
            end = _string_end(source, i + len(quote), quote, raw=(c == "`" and language == "go"))
            text = source[i:end]
            strings.append((line, text[len(quote) : len(text) - len(quote)]))
            spans.append((i, end))
            out.append(text)
            line += text.count("\n")
            i = end
            last_significant = "x"
            continue
        if c == "/" and language == "js" and _opens_regex(last_significant, out):
            end = _regex_end(source, i + 1)
            out.append(source[i:end])
            i = end
            last_significant = "x"
            continue
        if c == "\n":
            line += 1
        elif not c.isspace():
            last_significant = c
        out.append(c)
        i += 1
    # Comments are blanked to as many characters, so offsets in ``code`` equal the source's.
    return Lexed(
        "".join(out),
        tuple(strings),
        tuple(comments),
        tuple(a for a, _ in spans),
        tuple(b for _, b in spans),
    )


def _string_end(source: str, start: int, quote: str, raw: bool) -> int:
    i, n = start, len(source)
    while i < n:
        if not raw and source[i] == "\\":
            i += 2
            continue
        if source.startswith(quote, i):
            return i + len(quote)
        if source[i] == "\n" and quote in ("'", '"'):
            return i  # an unterminated literal ends at the line's end
        i += 1
    return n


def _opens_regex(last: str, out: list[str]) -> bool:
    if last in _REGEX_BEFORE:
        return True
    tail = "".join(out[-12:]).rstrip()
    return tail.endswith(_REGEX_KEYWORDS) and not tail[-8:].rstrip().endswith(".")


def _regex_end(source: str, start: int) -> int:
    i, n, in_class = start, len(source), False
    while i < n:
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n":
            return i
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            return i + 1
        i += 1
    return n


_JS_IMPORT = re.compile(
    r"""(?:\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?|\bexport\s+[\w*{}\s,$]+\s+from\s+|"""
    r"""\brequire\s*\(\s*|\bimport\s*\(\s*)(['"])([^'"\n]+)\1"""
)
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+)", re.MULTILINE)
_GO_IMPORT_BLOCK = re.compile(r"\bimport\s*\(([^)]*)\)", re.DOTALL)
_GO_IMPORT_ONE = re.compile(r"\bimport\s+(?:[\w.]+\s+)?\"([^\"\n]+)\"")
_GO_SPEC = re.compile(r"(?:^|\n)\s*(?:[\w.]+\s+)?\"([^\"\n]+)\"")
# Calls that send a request to an LLM, counted only in files that import an LLM SDK.
_LLM_CALLS = re.compile(
    r"\.(?:chat\.completions|completions|messages|responses|embeddings)\.create\s*\(|"
    r"\.(?:generateContent|generateText|streamText|sendMessage|CreateChatCompletion|"
    r"CreateCompletion|GenerateContent|invoke)\s*\(|\b(?:generateText|streamText)\s*\("
)
_ROLE_LITERAL = re.compile(
    r"""\brole['"]?\s*[:=]\s*['"](system|developer|user|assistant)['"]\s*,\s*"""
    r"""content['"]?\s*[:=]\s*(['"`]|\"\"\")"""
)
_HIGH, _MEDIUM = Confidence.HIGH, Confidence.MEDIUM


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _imports(lexed: Lexed, language: str) -> list[tuple[int, str, Library]]:
    code = lexed.code
    found: list[tuple[int, str, Library]] = []
    if language == "js":
        for m in _JS_IMPORT.finditer(code):
            if lexed.in_string(m.start()):
                continue
            if lib := lookup_prefix(m.group(2), JS_PACKAGES, "/"):
                found.append((_line_at(code, m.start(2)), m.group(2), lib))
    elif language == "java":
        for m in _JAVA_IMPORT.finditer(code):
            if lexed.in_string(m.start(1)):
                continue
            if lib := lookup_prefix(m.group(1), JAVA_PACKAGES, "."):
                found.append((_line_at(code, m.start(1)), m.group(1), lib))
    else:
        for block in _GO_IMPORT_BLOCK.finditer(code):
            if lexed.in_string(block.start()):
                continue
            for m in _GO_SPEC.finditer(block.group(1)):
                if lib := lookup_prefix(m.group(1), GO_PACKAGES, "/"):
                    found.append((_line_at(code, block.start(1) + m.start(1)), m.group(1), lib))
        for m in _GO_IMPORT_ONE.finditer(code):
            if lexed.in_string(m.start()):
                continue
            if lib := lookup_prefix(m.group(1), GO_PACKAGES, "/"):
                found.append((_line_at(code, m.start(1)), m.group(1), lib))
    return found


def _kind(library: Library) -> HitKind:
    if library.family in ("llm", "agent"):
        return HitKind.LLM_API
    return HitKind.ML_TRAINING if library.family == "train" else HitKind.ML_INFERENCE


def scan_clike(source: str, language: str) -> tuple[list[RawHit], Lexed]:
    """Hits of one JavaScript/TypeScript (``js``), Java/Kotlin (``java``) or Go file."""
    lexed = lex(source, language)
    lines = source.splitlines()
    hits: dict[tuple[int, HitKind, str], RawHit] = {}

    def add(line: int, kind: HitKind, provider: str, confidence: Confidence) -> None:
        key = (line, kind, provider)
        if key not in hits or hits[key].confidence.rank < confidence.rank:
            text = " ".join(lines[line - 1].split()) if 0 < line <= len(lines) else ""
            hits[key] = RawHit(line, kind, provider, confidence, text[:120])

    imports = _imports(lexed, language)
    for line, _name, library in imports:
        add(line, _kind(library), library.provider, _HIGH)
    llm = [lib for _, _, lib in imports if lib.family in ("llm", "agent")]
    if llm:
        for m in _LLM_CALLS.finditer(lexed.code):
            if lexed.in_string(m.start()):
                continue
            add(_line_at(lexed.code, m.start()), HitKind.LLM_API, llm[0].provider, _HIGH)
    for line, text in lexed.strings:
        if looks_like_prompt(text):
            add(line, HitKind.PROMPT_TEMPLATE, "prompt-literal", _MEDIUM)
        if host := host_provider(text):
            after = text.lower().split(host[0], 1)[-1]
            with_path = after[:1] == "/" and len(after) > 1
            add(line, HitKind.LLM_API, host[1], _HIGH if with_path else _MEDIUM)
    for m in _ROLE_LITERAL.finditer(lexed.code):
        if lexed.in_string(m.start()):
            continue
        start = m.end() - len(m.group(2))
        literal = lexed.code[start : start + 400]
        end = literal.find(m.group(2), len(m.group(2)))
        body = literal[len(m.group(2)) : end if end > 0 else None]
        if len(body.strip()) >= MIN_PROMPT_CHARS:
            system = m.group(1) in ("system", "developer")
            add(
                _line_at(lexed.code, m.start()),
                HitKind.PROMPT_TEMPLATE,
                "prompt-literal",
                _HIGH if system else _MEDIUM,
            )
    return sorted(hits.values(), key=lambda h: (h.line, h.kind.value, h.provider)), lexed


def markers_in(lexed: Lexed) -> list[tuple[int, str]]:
    """``// ombud: <system-id>`` markers, found in comments only."""
    found = []
    for line, text in lexed.comments:
        for offset, part in enumerate(text.split("\n")):
            if m := _MARKER.search(part):
                found.append((line + offset, m.group(1)))
    return found
