"""``ombud supplier questions|assess``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ombud.cli._state import emit_json, state_of
from ombud.governance import InvalidInput
from ombud.governance.supplier import (
    MAX_ANSWERS_BYTES,
    Questionnaire,
    SupplierAnswers,
    check_answer,
    parse_supplier_answers,
)
from ombud.services import supplier
from ombud.yamlsource import load_yaml_file

__all__ = ["register"]

supplier_app = typer.Typer(help="Due diligence on third-party AI.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
QuestionnaireOpt = Annotated[
    Path | None, typer.Option(help="Your own questionnaire YAML (default: the shipped one).")
]


@supplier_app.command("questions")
def questions_cmd(questionnaire: QuestionnaireOpt = None, as_json: JsonOpt = False) -> None:
    """Print the supplier questionnaire, with the answers each question takes."""
    q = supplier.load_questionnaire(questionnaire)
    if as_json:
        emit_json(
            {
                "questionnaire": q.name,
                "version": q.version,
                "pass_score": q.pass_score,
                "items": [
                    {
                        "id": i.id,
                        "topic": i.topic,
                        "question": i.question,
                        "answer": i.answer,
                        "options": list(i.options()),
                        "weight": i.weight,
                        "required": i.required,
                        "minimum": i.minimum,
                    }
                    for i in q.items
                ],
            }
        )
        return
    typer.echo(f"{q.name} {q.version} (pass at a weighted score of {q.pass_score:.2f})")
    for i in q.items:
        options = " | ".join(i.options()) or "free text"
        flag = " [required]" if i.required else ""
        typer.echo(f"\n{i.id} ({i.topic}, weight {i.weight:g}){flag}\n  {i.question}")
        typer.echo(f"  answer: {options}")


def _interactive(q: Questionnaire) -> SupplierAnswers:
    supplier_name = typer.prompt("Supplier")
    product = typer.prompt("Product")
    answered_by = typer.prompt("Answered by", default="")
    answers: dict[str, str] = {}
    for item in q.items:
        typer.echo(f"\n{item.question}")
        options = item.options()
        hint = f" [{'/'.join(options)}]" if options else ""
        while True:
            text = str(typer.prompt(f"{item.id}{hint}", default="unknown")).strip()
            problem = check_answer(item, text)
            if problem is None:
                break
            typer.echo(problem, err=True)
        answers[item.id] = text if item.answer == "text" else text.lower()
    return SupplierAnswers(supplier_name, product, answered_by, answers, {})


@supplier_app.command("assess")
def assess_cmd(
    ctx: typer.Context,
    system_id: str,
    version: Annotated[str, typer.Option(help="Version of the system the supplier provides.")],
    answers: Annotated[
        Path | None, typer.Option(help="Answers YAML (see docs/findings-incidents.md).")
    ] = None,
    interactive: Annotated[
        bool, typer.Option("--interactive", help="Ask each question here instead.")
    ] = False,
    questionnaire: QuestionnaireOpt = None,
    valid_days: Annotated[int, typer.Option(help="Days the assessment stays valid.")] = 365,
    as_json: JsonOpt = False,
) -> None:
    """Score a supplier's answers and record them as evidence on the system."""
    state = state_of(ctx)
    if (answers is None) == (not interactive):
        raise InvalidInput("give either --answers FILE or --interactive")
    if valid_days < 1:
        raise InvalidInput(
            f"--valid-days {valid_days}: give at least 1 day; evidence that has already "
            "expired cannot count"
        )
    q = supplier.load_questionnaire(questionnaire)
    parsed = (
        parse_supplier_answers(load_yaml_file(answers, max_bytes=MAX_ANSWERS_BYTES), q)
        if answers
        else _interactive(q)
    )
    with state.context() as context:
        assessment, evidence = supplier.assess_and_record(
            context, state.actor(context), system_id, version, parsed, q, valid_for_days=valid_days
        )
    if as_json:
        emit_json({"passed": assessment.passed, "evidence": evidence})
        return
    state.out.print(f"{assessment.summary}")
    for rule, verdict in sorted(assessment.verdicts.items()):
        state.out.print(f"  {rule}: {verdict.value}")
    outcome = "meets" if assessment.passed else "does NOT meet"
    state.out.print(f"{parsed.supplier} {outcome} the questionnaire; evidence {evidence.id}")


def register(app: typer.Typer) -> None:
    app.add_typer(supplier_app, name="supplier")
