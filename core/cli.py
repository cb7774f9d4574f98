"""Command-line interface: one sub-command per module, imported only when used."""

from __future__ import annotations

import argparse
import importlib

# name -> module that defines `add_arguments(parser)` and `run(args) -> int`.
# Modules are imported lazily so `python -m core stats` does not pay for `datasets`.
COMMANDS = {
    "build": ("core.commands.build", "Load, validate and store a source; precompute statistics."),
    "sample": ("core.commands.sample", "Write synthetic data in the release format."),
    "rank": ("core.commands.rank", "Run a Model Spec Ranker reproduction against an OpenAI-compatible endpoint."),
    "stats": ("core.commands.stats", "Print agreement figures read from a built store."),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(_module=module_name)
        # Each command module registers its own arguments; import it only to build the parser.
        importlib.import_module(module_name).add_arguments(sp)
    args = parser.parse_args(argv)
    return int(importlib.import_module(args._module).run(args) or 0)
