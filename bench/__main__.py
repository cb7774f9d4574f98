"""`python -m bench [--scale …]` benchmarks the pipeline and the site; `python -m bench load …` drives sessions;
`python -m bench scaleout …` measures several site processes behind nginx."""
from __future__ import annotations

import argparse
import sys

from bench import benchmark, loadtest, scaleout

SUBCOMMANDS = {"load": loadtest, "scaleout": scaleout}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `load` and `scaleout` are sub-commands; anything else is the benchmark's own arguments.
    command = SUBCOMMANDS.get(argv[0]) if argv else None
    prog = f"python -m bench {argv[0]}" if command else "python -m bench"
    command = command or benchmark
    parser = argparse.ArgumentParser(prog=prog, description=command.__doc__)
    command.add_arguments(parser)
    args = parser.parse_args(argv if command is benchmark else argv[1:])
    return int(command.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
