"""Python sources, read with ``ast`` (never imported or run).

Names are resolved the way a reader would: ``import openai as oa`` makes ``oa`` mean
``openai``; ``client = OpenAI()`` makes ``client`` an object of the SDK, so
``client.chat.completions.create(...)`` is a call into it. The resolution ignores scopes
(one table per file): a name that means an SDK anywhere in the file means it everywhere,
which errs towards finding usage, the cheaper mistake for an inventory.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from ombud.discover._catalog import PY_MODULES, Library, host_provider, lookup_prefix
from ombud.discover._model import Confidence, HitKind

__all__ = [
    "MIN_PROMPT_CHARS",
    "RawHit",
    "looks_like_prompt",
    "markers",
    "might_hit",
    "scan_python",
    "scan_python_lines",
]

_HIGH, _MEDIUM, _LOW = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW

_TRAIN_METHODS = frozenset({"fit", "partial_fit", "fit_transform", "fit_predict", "train"})
_INFER_METHODS = frozenset(
    {"predict", "predict_proba", "predict_log_proba", "decision_function", "inference"}
)
_TRAIN_FUNCTIONS = frozenset(
    {"cross_val_score", "cross_val_predict", "cross_validate", "train", "cv", "learning_curve"}
)
_HF_LLM_TASKS = frozenset(
    {"text-generation", "text2text-generation", "conversational", "summarization"}
)
_HTTP_MODULES = ("requests", "httpx", "aiohttp", "urllib.request", "urllib3")
_HTTP_VERBS = frozenset(
    {"get", "post", "put", "patch", "request", "stream", "urlopen", "Request", "ws_connect"}
)
_PROMPT_ROLES = frozenset({"system", "developer", "user", "assistant"})
_PROMPT_CLASSES = frozenset(
    {"PromptTemplate", "ChatPromptTemplate", "SystemMessagePromptTemplate", "SystemMessage"}
)
#: A literal at least this long, sent as a chat message, is a prompt template.
MIN_PROMPT_CHARS = 40
# "You are the billing assistant...", "You are an expert...": a persona given to a model.
# An article or a possessive must follow "you are", so "You are loading a model" is prose.
_PERSONA = re.compile(
    r"^\s*you are (?:an?|the|[\w-]+'s) (?:[\w'-]+ ){0,4}?"
    r"(?:assistant|agent|bot|chatbot|expert|ai|tutor|copilot|advisor|analyst|translator)\b",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\bombud:\s*([a-z0-9][a-z0-9-]{1,62}[a-z0-9])\b")


@dataclass(frozen=True)
class RawHit:
    """A hit before it knows its file (the walker adds path and grouping)."""

    line: int
    kind: HitKind
    provider: str
    confidence: Confidence
    evidence: str


@dataclass
class _Names:
    """What the names of one file stand for."""

    aliases: dict[str, str] = field(default_factory=dict)  # local name -> module.attr
    derived: dict[str, str] = field(default_factory=dict)  # dotted name -> origin call
    constants: dict[str, str] = field(default_factory=dict)  # module-level string constants
    guessed: set[str] = field(default_factory=set)  # `shap = import_shap()`: named as the module
    #: The local names of the function being read, innermost first (empty at module level).
    chain: list[dict[str, str]] = field(default_factory=list)
    own: str = ""  # the package the file is part of


@dataclass(frozen=True)
class _Scope:
    """The nodes of one function (or of the module) and the local tables it sees."""

    nodes: tuple[ast.AST, ...]
    chain: list[dict[str, str]]


def _scopes(tree: ast.Module) -> list[_Scope]:
    """Module and functions, each with its own nodes; a name bound in a function is local.

    ``model`` in one function and ``model`` in another are different objects; an
    attribute (``self.client``) is shared by the whole file, as methods share it.
    """
    found: list[_Scope] = []

    def visit(scope: ast.AST, chain: list[dict[str, str]]) -> None:
        nodes: list[ast.AST] = []
        stack = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            nodes.append(node)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(node, [{}, *chain])
                continue
            stack.extend(ast.iter_child_nodes(node))
        found.append(_Scope(tuple(nodes), chain))

    visit(tree, [])
    return found


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _resolve(node: ast.expr, names: _Names) -> str | None:
    """The qualified name an expression stands for (``openai.OpenAI().chat``), or None."""
    if isinstance(node, ast.Call):
        inner = _resolve(node.func, names)
        return f"{inner}()" if inner else None
    if isinstance(node, ast.Subscript):
        return _resolve(node.value, names)
    if isinstance(node, ast.Await):
        return _resolve(node.value, names)
    dotted = _dotted(node)
    if dotted is None:
        if isinstance(node, ast.Attribute):
            base = _resolve(node.value, names)
            return f"{base}.{node.attr}" if base else None
        return None
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        origin = next((t[head] for t in names.chain if head in t), None)
        origin = origin or names.derived.get(head) or names.aliases.get(head)
        if origin:
            return ".".join([origin, *parts[cut:]])
    return None


def _library(qualified: str) -> Library | None:
    return lookup_prefix(qualified.split("()")[0].rstrip("."), PY_MODULES, ".")


def _known(qualified: str) -> bool:
    """A name into a catalogued library or an HTTP client (whose objects are followed)."""
    return _library(qualified) is not None or qualified.startswith(_HTTP_MODULES)


def _own(qualified: str, names: _Names) -> bool:
    return bool(names.own) and qualified.split(".", 1)[0].split("()", 1)[0] == names.own


def _module_of(qualified: str) -> str:
    return qualified.split("()")[0]


def _string_value(node: ast.expr | None, names: _Names) -> str | None:
    """A string an expression certainly starts with (constants, f-strings, ``+``)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                parts.append(_string_value(value.value, names) or "{}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _string_value(node.left, names)
        right = _string_value(node.right, names)
        if left is None and right is None:
            return None
        return (left or "") + (right or "")
    return None


def _import_target(call: ast.Call, names: _Names) -> str | None:
    """``importlib.import_module("x")`` and ``__import__("x")``: a dynamic import of x."""
    func = _dotted(call.func)
    if func is None or not call.args:
        return None
    dynamic = func in ("__import__", "importlib.import_module")
    if not dynamic and names.aliases.get(func) != "importlib.import_module":
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def _bind_imports(
    nodes: Sequence[ast.AST], module_body: Sequence[ast.stmt], names: _Names
) -> list[tuple[int, str]]:
    """Record imported names; return (line, module) of each import of a known library."""
    imports: list[tuple[int, str]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names.aliases[local] = alias.name if alias.asname else local
                imports.append((node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            imports.append((node.lineno, node.module))
    for node in nodes:
        if isinstance(node, ast.ClassDef):  # class Net(nn.Module): Net() is a torch model
            for base in node.bases:
                origin = _resolve(base, names)
                if origin and _library(origin):
                    names.aliases[node.name] = origin
    for node in module_body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            value = _string_value(node.value, names)
            if isinstance(target, ast.Name) and value is not None:
                names.constants[target.id] = value
    return [(line, module) for line, module in imports if _library(module)]


def _bind_objects(scopes: list[_Scope], names: _Names) -> None:
    """Names assigned from calls into known libraries (three rounds reach chains)."""
    for _ in range(3):
        before = len(names.derived) + sum(len(sc.chain[0]) for sc in scopes if sc.chain)
        for scope in scopes:
            names.chain = scope.chain
            for node in scope.nodes:
                _bind_node(node, names)
        after = len(names.derived) + sum(len(sc.chain[0]) for sc in scopes if sc.chain)
        if after == before:
            break
    names.chain = []


def _bind(target: ast.expr, origin: str, names: _Names) -> None:
    dotted = _dotted(target)
    if dotted is None:
        return
    table = names.chain[0] if names.chain and isinstance(target, ast.Name) else names.derived
    table.setdefault(dotted, origin)


def _bind_node(node: ast.AST, names: _Names) -> None:
    targets: list[ast.expr] = []
    value: ast.expr | None = None
    if isinstance(node, ast.Assign):
        targets, value = list(node.targets), node.value
    elif isinstance(node, ast.AnnAssign | ast.NamedExpr):
        targets, value = [node.target], node.value
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        targets, value = [node.optional_vars], node.context_expr
    elif isinstance(node, ast.arg) and node.annotation is not None:
        origin = _resolve(node.annotation, names)
        if origin and _library(origin):
            _bind(ast.Name(id=node.arg), origin + "()", names)
        return
    if value is None:
        return
    if isinstance(value, ast.Call) and (module := _import_target(value, names)):
        for target in targets:
            if isinstance(target, ast.Name):
                names.aliases[target.id] = module
        return
    origin = _resolve(value, names)
    if isinstance(value, ast.Call) and not _known(origin or ""):
        for target in targets:
            # A variable named exactly as a known module, bound by a helper call, is
            # taken for that module (`shap = import_shap()`), less surely.
            if (
                isinstance(target, ast.Name)
                and target.id in PY_MODULES
                and target.id not in names.aliases
            ):
                names.aliases[target.id] = target.id
                names.guessed.add(target.id)
    if origin is None or not _known(origin) or "()" not in origin:
        return
    for target in targets:
        _bind(target, origin, names)


def _snippet(source_lines: list[str], line: int) -> str:
    if 0 < line <= len(source_lines):
        text = " ".join(source_lines[line - 1].split())
        return text if len(text) <= 120 else text[:117] + "..."
    return ""


def _classify_call(
    qualified: str, library: Library, call: ast.Call, names: _Names
) -> tuple[HitKind, Confidence] | None:
    """What a call into ``library`` means, or None when it means nothing of interest."""
    last = qualified.rstrip("()").rsplit(".", 1)[-1]
    on_object = "()" in qualified and not qualified.endswith("()")
    family = library.family
    if ".types." in qualified:  # openai.types.CompletionUsage(...): a data record, no call
        return None
    if family == "loader":  # joblib.load(...).predict(...): a stored model applied
        if on_object and last in _INFER_METHODS:
            return HitKind.ML_INFERENCE, _HIGH
        return None
    if family in ("llm", "agent"):
        return HitKind.LLM_API, _HIGH
    if qualified.endswith("()"):  # the object itself is called: pipe(text), explainer(X)
        # (a torch module or loss called inside training code is not an inference)
        return (HitKind.ML_INFERENCE, _MEDIUM) if family in ("hf", "infer") else None
    if family == "hf":
        if last == "pipeline":
            task = _string_value(call.args[0] if call.args else _kw(call, "task"), names)
            llm = task in _HF_LLM_TASKS
            return (HitKind.LLM_API if llm else HitKind.ML_INFERENCE), _HIGH
        if last == "from_pretrained":
            cls = _module_of(qualified).rsplit(".", 2)[-2] if "." in qualified else ""
            llm = "CausalLM" in cls or "Seq2SeqLM" in cls
            return (HitKind.LLM_API if llm else HitKind.ML_INFERENCE), _HIGH
        if last in ("Trainer", "Seq2SeqTrainer") or (on_object and last == "train"):
            return HitKind.ML_TRAINING, _HIGH
        if on_object and last in ("generate",):
            return HitKind.LLM_API, _HIGH
        return None
    if on_object and last in _TRAIN_METHODS:
        return HitKind.ML_TRAINING, _HIGH
    if on_object and last in _INFER_METHODS:
        return HitKind.ML_INFERENCE, _HIGH
    if family == "infer":
        direct = not on_object or last in ("run", "encode")
        return HitKind.ML_INFERENCE, _HIGH if direct else _MEDIUM
    if not on_object and last in _TRAIN_FUNCTIONS:
        return HitKind.ML_TRAINING, _HIGH
    if last in ("load_model", "load") and library.provider in ("pytorch", "tensorflow", "keras"):
        return HitKind.ML_INFERENCE, _MEDIUM
    if library.provider == "pytorch" and last in ("backward", "step", "zero_grad"):
        return HitKind.ML_TRAINING, _MEDIUM
    return None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _http_hit(call: ast.Call, names: _Names) -> tuple[str, str] | None:
    qualified = _resolve(call.func, names)
    if qualified is None or not qualified.startswith(_HTTP_MODULES):
        return None
    if qualified.rstrip("()").rsplit(".", 1)[-1] not in _HTTP_VERBS:
        return None
    url = call.args[0] if call.args else _kw(call, "url")
    if call.args and isinstance(call.args[0], ast.Constant) and len(call.args) > 1:
        method = call.args[0].value
        if isinstance(method, str) and method.upper() in ("GET", "POST", "PUT", "PATCH"):
            url = call.args[1]
    text = _string_value(url, names)
    return host_provider(text) if text else None


def looks_like_prompt(text: str) -> bool:
    """A literal that addresses a model ("You are the billing assistant...") at length."""
    return len(text) >= 2 * MIN_PROMPT_CHARS and _PERSONA.match(text) is not None


def _docstrings(nodes: Sequence[ast.AST]) -> set[int]:
    """ids of bare string statements (docstrings, notes), which are prose, not endpoints."""
    found: set[int] = set()
    for node in nodes:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.add(id(node.value))
    return found


def _prompt_dicts(nodes: Sequence[ast.AST], names: _Names) -> Iterator[tuple[int, str, bool]]:
    """Chat messages written as literals: ``{"role": "system", "content": "You are..."}``."""
    for node in nodes:
        if not isinstance(node, ast.Dict):
            continue
        fields: dict[str, ast.expr] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                fields[key.value] = value
        role = fields.get("role")
        content = fields.get("content")
        if not (isinstance(role, ast.Constant) and role.value in _PROMPT_ROLES) or not content:
            continue
        text = _string_value(content, names)
        if text is not None and len(text.strip()) >= MIN_PROMPT_CHARS:
            yield node.lineno, str(role.value), role.value in ("system", "developer")


def markers(source: str) -> list[tuple[int, str]]:
    """``# ombud: <system-id>`` comments (only in comments: tokenize tells them apart)."""
    if "ombud:" not in source:
        return []
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and (m := _MARKER.search(token.string)):
                found.append((token.start[0], m.group(1)))
    except (tokenize.TokenError, SyntaxError):
        return found
    return found


_Add = Callable[[int, HitKind, str, Confidence], None]


def _scan_node(
    node: ast.AST,
    names: _Names,
    docstrings: set[int],
    imports: list[tuple[int, str]],
    used: set[str],
    add: _Add,
) -> None:
    """The hit one node makes, if any (``used``: providers that have a call hit)."""
    if isinstance(node, ast.Call):
        if (module := _import_target(node, names)) and _library(module):
            imports.append((node.lineno, module))
            return
        if host := _http_hit(node, names):
            add(node.lineno, HitKind.LLM_API, host[1], _HIGH)
            return
        qualified = _resolve(node.func, names)
        library = _library(qualified) if qualified else None
        if qualified is None or library is None or _own(qualified, names):
            return
        last = qualified.rstrip("()").rsplit(".", 1)[-1]
        if last in _PROMPT_CLASSES or last in ("from_template", "from_messages"):
            add(node.lineno, HitKind.PROMPT_TEMPLATE, library.provider, _HIGH)
        meaning = _classify_call(qualified, library, node, names)
        if meaning is not None:
            confidence = meaning[1]
            if qualified.split(".", 1)[0] in names.guessed:
                confidence = min(confidence, _MEDIUM, key=lambda c: c.rank)
            add(node.lineno, meaning[0], library.provider, confidence)
            used.add(library.provider)
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and (host := host_provider(node.value))
    ):
        add(node.lineno, HitKind.LLM_API, host[1], _MEDIUM)
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and looks_like_prompt(node.value)
    ):
        add(node.lineno, HitKind.PROMPT_TEMPLATE, "prompt-literal", _MEDIUM)


#: A file mentioning none of these cannot hold a hit: it is not parsed at all.
_MIGHT_HIT = re.compile(
    "|".join(re.escape(name.split(".")[0]) for name in PY_MODULES)
    + r"|import_module|__import__|://|role|you are",
    re.IGNORECASE,
)


def might_hit(source: str) -> bool:
    """Cheap test before parsing: most files of a tree name no AI library at all."""
    return _MIGHT_HIT.search(source) is not None


def scan_python(tree: ast.Module, source: str, package: str = "") -> list[RawHit]:
    """Every hit of one parsed Python file, one per (line, kind, provider).

    ``package``: the top-level package the file belongs to; a library's calls into itself
    (``sklearn`` inside scikit-learn) are its implementation, not usage of it.
    """
    lines = source.splitlines()
    names = _Names(own=package)
    scopes = _scopes(tree)
    nodes = [node for scope in scopes for node in scope.nodes]
    imports = _bind_imports(nodes, tree.body, names)
    _bind_objects(scopes, names)
    hits: dict[tuple[int, HitKind, str], RawHit] = {}

    def add(line: int, kind: HitKind, provider: str, confidence: Confidence) -> None:
        key = (line, kind, provider)
        if key not in hits or hits[key].confidence.rank < confidence.rank:
            hits[key] = RawHit(line, kind, provider, confidence, _snippet(lines, line))

    used: set[str] = set()
    docstrings = _docstrings(nodes)
    for scope in scopes:
        names.chain = scope.chain
        for node in scope.nodes:
            _scan_node(node, names, docstrings, imports, used, add)
    names.chain = []
    for line, _role, system in _prompt_dicts(nodes, names):
        add(line, HitKind.PROMPT_TEMPLATE, "prompt-literal", _HIGH if system else _MEDIUM)
    # An import with no call found: still usage, with the confidence its family deserves.
    for line, module in imports:
        library = _library(module)
        if library is None or library.provider in used or library.family == "loader":
            continue
        if _own(module, names):
            continue
        llm = library.family in ("llm", "agent") and ".types" not in module  # types: records
        kind = HitKind.LLM_API if library.family in ("llm", "agent") else _import_kind(library)
        add(line, kind, library.provider, _MEDIUM if llm else _LOW)
    return sorted(hits.values(), key=lambda h: (h.line, h.kind.value, h.provider))


def _import_kind(library: Library) -> HitKind:
    return HitKind.ML_TRAINING if library.family == "train" else HitKind.ML_INFERENCE


_IMPORT_LINE = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)")


def scan_python_lines(source: str) -> list[RawHit]:
    """Imports of a file ``ast`` cannot parse (Python 2, a syntax error), line by line.

    Only statement-initial ``import``/``from`` count, so comments and prose do not; a
    multi-line string holding such a line would, which is why the confidence is lower.
    """
    hits = []
    for number, line in enumerate(source.splitlines(), start=1):
        m = _IMPORT_LINE.match(line)
        library = _library(m.group(1)) if m else None
        if library is None or library.family == "loader":
            continue
        llm = library.family in ("llm", "agent")
        kind = HitKind.LLM_API if llm else _import_kind(library)
        hits.append(
            RawHit(number, kind, library.provider, _MEDIUM if llm else _LOW, line.strip()[:120])
        )
    return hits
