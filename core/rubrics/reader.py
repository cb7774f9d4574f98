"""`python -m core.rubrics.reader`: read and validate the rubric file in a process of its own, for the build.

Standard input holds a pickled Release; standard output gets back the pickled (rows, report, input file) or the
exception the read raised. Only the build's own process starts this, with data it made itself.
"""

from __future__ import annotations

import os
import pickle
import sys

from core.config import RUBRIC_CONFIG
from core.release.validate import Report


def main() -> int:
    # The answer goes to the real standard output; anything a library prints while reading goes to standard error
    # instead, so it cannot corrupt the pickle.
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    release = pickle.load(sys.stdin.buffer)
    item = release.files[RUBRIC_CONFIG]
    report = Report()
    try:
        from core.rubrics.store import read_rows

        outcome: object = (read_rows(release, item, report), report, item)
    except Exception as exc:  # handed back and raised in the build, as if the read had run there
        outcome = exc
    with answer:
        answer.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
