"""The site's lists (components.choice) in AppTest: what each one shows, and a visitor's pick as the browser sends it."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.components import drawn, send_triggers

COMPONENT = "ca_choice"


def lists(at: AppTest) -> dict[str, dict]:
    """Each list drawn by the last run, by its key: {label, value, options: [[value, text], ...]}."""
    return {key: json.loads(e.proto.json) for key, e in drawn(at, COMPONENT).items()}


def chosen(at: AppTest, key: str) -> str | None:
    """The value the list keyed `key` shows as selected."""
    return lists(at)[key]["value"]


def choose(at: AppTest, key: str, value: str | None, *, trigger: object = None) -> AppTest:
    """One run after a visitor picks `value` from the list keyed `key`: the component's one-off "pick" trigger (its
    on_pick_change callback runs). `trigger` replaces the whole payload, for messages no browser list would send."""
    payload = [{"event": "pick", "value": value}] if trigger is None else trigger
    return send_triggers(at, [(drawn(at, COMPONENT)[key].proto.id, payload)])
