"""``python -m ombud`` runs the CLI."""

from ombud.cli.main import run

run()
