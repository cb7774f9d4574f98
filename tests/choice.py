"""The site's lists (components.choice) in AppTest: what each one shows, and a visitor's pick as the browser sends it."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

COMPONENT = "ca_choice"


def lists(at: AppTest) -> dict[str, dict]:
    """Each list drawn by the last run, by its key: {label, value, options: [[value, text], ...]}."""
    return {_user_key(e.proto.id): json.loads(e.proto.json)
            for e in at.get("bidi_component") if e.proto.component_name == COMPONENT}


def chosen(at: AppTest, key: str) -> str | None:
    """The value the list keyed `key` shows as selected."""
    return lists(at)[key]["value"]


def choose(at: AppTest, key: str, value: str | None, *, trigger: object = None) -> AppTest:
    """One run after a visitor picks `value` from the list keyed `key`: the component's one-off "pick" trigger (its
    on_pick_change callback runs), beside every other widget's value, as AppTest.run would send them. `trigger`
    replaces the whole payload, for messages no browser list would send."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    ids = [e.proto.id for e in at.get("bidi_component")
           if e.proto.component_name == COMPONENT and _user_key(e.proto.id) == key]
    assert len(ids) == 1, (key, ids)
    payload = [{"event": "pick", "value": value}] if trigger is None else trigger
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=_make_trigger_id(ids[0], "events"), json_trigger_value=json.dumps(payload)))
    return at._run(states)


def _user_key(element_id: str) -> str:
    # Streamlit ids a keyed element "$$ID-<hash>-<key>"; the site's keys may hold "-" only after the hash.
    return element_id.split("-", 2)[2]
