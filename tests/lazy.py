"""Open every lazy expander (components.frame.lazy_expander, keys "open:…") of an AppTest page."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

PREFIX = "open:"


def closed_keys(at: AppTest) -> list[str]:
    return [k for k in at.session_state if str(k).startswith(PREFIX) and not at.session_state[k]]


def open_all(at: AppTest, rounds: int = 3) -> AppTest:
    """Open them all and rerun until none is left closed (nested ones appear only once their parent is open)."""
    for _ in range(rounds):
        closed = closed_keys(at)
        if not closed:
            break
        for key in closed:
            at.session_state[key] = True
        at.run()
    return at
