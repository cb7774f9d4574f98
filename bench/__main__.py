"""`python -m bench [--scale …]` benchmarks the pipeline and the site; `python -m bench load …` drives sessions."""
from __future__ import annotations

import argparse
import sys

from bench import benchmark, loadtest


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `load` is the one sub-command; anything else is the benchmark's own arguments.
    command, prog = (loadtest, "python -m bench load") if argv[:1] == ["load"] else (benchmark, "python -m bench")
    parser = argparse.ArgumentParser(prog=prog, description=command.__doc__)
    command.add_arguments(parser)
    args = parser.parse_args(argv[1:] if command is loadtest else argv)
    return int(command.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
