"""`python -m core.rubrics.reader`: the build's rubric stage in a process of its own (read, validate, join, tables).

Standard input holds a pickled Release, then the opened release and the files to load into the `datasets` cache
ahead of the build, then, once the build has validated the release, the columns the join needs
(`store.join_inputs`). Standard output gets two pickled answers: (report, input file) when the file is read, then
(report, stored tables) when it is joined; either may instead be the exception that step raised, which ends the
process. Only the build's own process starts this, with data it made itself.
"""

from __future__ import annotations

import os
import pickle
import sys

from core.config import RUBRIC_CONFIG
from core.release.validate import Report


def main() -> int:
    # The answers go to the real standard output; anything a library prints while reading goes to standard error
    # instead, so it cannot corrupt the pickles.
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def say(outcome: object) -> None:
        pickle.dump(outcome, answer, protocol=pickle.HIGHEST_PROTOCOL)
        answer.flush()

    release = pickle.load(sys.stdin.buffer)
    item = release.files[RUBRIC_CONFIG]
    # Imported while the build opens the release, before it says what to load.
    import datasets  # noqa: F401

    from core.release.source import load_ahead
    from core.rubrics.store import join_rows, read_rows, stored_tables

    load_ahead(*pickle.load(sys.stdin.buffer))
    with answer:
        read = Report()
        try:
            rows = read_rows(release, item, read)
        except Exception as exc:  # handed back and raised in the build, as if the read had run there
            say(exc)
            return 0
        say((read, item))
        try:
            inputs = pickle.load(sys.stdin.buffer)
        except EOFError:  # the build stopped before it needed the join
            return 0
        joined = Report()
        try:
            outcome: object = (joined, stored_tables(join_rows(item, rows, inputs, joined), inputs["annotators"]))
        except Exception as exc:
            outcome = exc
        say(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
