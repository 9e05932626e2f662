"""Importers: other tools' prompt sets and results in, as Ombud probes and attempts.

Prompt sets (CSV, PyRIT YAML, garak data files) become ``StaticProbe``s; garak report
JSONL and promptfoo results JSON become attempts a run folder can hold.
"""

from ombud.redteam.importers._formats import (
    import_garak,
    import_promptfoo,
    probe_from_csv,
    probe_from_garak_data,
    probe_from_pyrit_yaml,
)
from ombud.redteam.importers._prompt_sets import (
    PROMPT_FORMATS,
    prompt_set_entry,
    prompt_set_probes,
)

__all__ = [
    "PROMPT_FORMATS",
    "import_garak",
    "import_promptfoo",
    "probe_from_csv",
    "probe_from_garak_data",
    "probe_from_pyrit_yaml",
    "prompt_set_entry",
    "prompt_set_probes",
]
