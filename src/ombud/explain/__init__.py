"""Explanations of a model's outputs, each with its quality check (docs/explain.md).

``explain_shap`` (tree, linear, exact, permutation and kernel explainers of the ``shap``
library, with an evaluation budget and an additivity check) and ``explain_lime`` (LIME
with a seed per call and a stability score) return one :class:`Explanation`.
``group_moments`` and ``attribute_gap`` give global importance per group and split a
between-group gap in mean output by feature, with intervals; ``attribute_rate_gap`` splits
a gap in a thresholded rate (selection rate, FPR) by Shapley values (``model_rate_gap``:
with a model's thresholded output as the decision); ``adverse_action_reasons`` picks the
principal reasons for declined applicants from a reason-code table (Regulation B, 12 CFR
1002.9(b)(2)); ``load_model`` reads a model file without running untrusted code (skops
archives, and XGBoost/LightGBM models in their own formats, which ``adapt`` puts behind
the scikit-learn face the explainers call); ``evidence_draft`` turns results into evidence
(kind ``explainability_report``; ``rate_gap_draft`` for a rate gap); ``report_html``
renders a self-contained HTML report (``rate_gap_html`` for a rate gap) and ``bar_chart``
the inline SVG chart it (and the web page) draws. For text models (the optional
``explain-torch`` extra: PyTorch and Captum, imported only when used), ``text_model`` puts
a logistic head fitted by ``fit_text_head`` on all-MiniLM-L6-v2 in torch,
``explain_text_ig`` attributes its output to tokens by layer integrated gradients and
``explain_integrated_gradients`` does the same for any torch model of a table, both with
their completeness check (``CompletenessCheck``); ``attention_maps`` and
``attention_rollout`` show its attention, labelled as no explanation of the output, and
``token_report_html`` renders both as highlighted text. A library: no database, no server.
"""

from ombud.explain._attention import (
    ATTENTION_CAVEAT,
    AttentionMaps,
    attention_maps,
    attention_rollout,
)
from ombud.explain._boosters import BoosterClassifier, BoosterRegressor, adapt
from ombud.explain._captum import explain_integrated_gradients, explain_text_ig
from ombud.explain._errors import (
    BudgetExceededError,
    ExplainInputError,
    ExtraNotInstalledError,
    ModelFileError,
    QualityCheckError,
    ReasonTableError,
    UnsafeModelError,
    UnsupportedModelError,
)
from ombud.explain._evidence import (
    EVIDENCE_KIND,
    evidence_draft,
    evidence_names,
    rate_gap_draft,
)
from ombud.explain._gap import (
    GapAttribution,
    GroupMoments,
    attribute_gap,
    group_moments,
    proxy_scores,
)
from ombud.explain._lime import explain_lime, jaccard_stability
from ombud.explain._loading import LoadedModel, load_model
from ombud.explain._rate_gap import EXACT_FEATURES, RateGapAttribution, attribute_rate_gap
from ombud.explain._rate_gap_model import ModelRateGap, model_rate_gap
from ombud.explain._rate_gap_report import rate_gap_html
from ombud.explain._reason_table import (
    ReasonCode,
    ReasonTable,
    load_reason_table,
    parse_reason_table,
)
from ombud.explain._reasons import AdverseActionReasons, adverse_action_reasons
from ombud.explain._report import report_html
from ombud.explain._result import AdditivityCheck, CompletenessCheck, Explanation, StabilityCheck
from ombud.explain._shap import explain_shap
from ombud.explain._svg import Bar, bar_chart
from ombud.explain._text import TextModel, fit_text_head, minilm_embeddings, text_model
from ombud.explain._token_report import token_report_html

__all__ = [
    "ATTENTION_CAVEAT",
    "EVIDENCE_KIND",
    "EXACT_FEATURES",
    "AdditivityCheck",
    "AdverseActionReasons",
    "AttentionMaps",
    "Bar",
    "BoosterClassifier",
    "BoosterRegressor",
    "BudgetExceededError",
    "CompletenessCheck",
    "ExplainInputError",
    "Explanation",
    "ExtraNotInstalledError",
    "GapAttribution",
    "GroupMoments",
    "LoadedModel",
    "ModelFileError",
    "ModelRateGap",
    "QualityCheckError",
    "RateGapAttribution",
    "ReasonCode",
    "ReasonTable",
    "ReasonTableError",
    "StabilityCheck",
    "TextModel",
    "UnsafeModelError",
    "UnsupportedModelError",
    "adapt",
    "adverse_action_reasons",
    "attention_maps",
    "attention_rollout",
    "attribute_gap",
    "attribute_rate_gap",
    "bar_chart",
    "evidence_draft",
    "evidence_names",
    "explain_integrated_gradients",
    "explain_lime",
    "explain_shap",
    "explain_text_ig",
    "fit_text_head",
    "group_moments",
    "jaccard_stability",
    "load_model",
    "load_reason_table",
    "minilm_embeddings",
    "model_rate_gap",
    "parse_reason_table",
    "proxy_scores",
    "rate_gap_draft",
    "rate_gap_html",
    "report_html",
    "text_model",
    "token_report_html",
]
