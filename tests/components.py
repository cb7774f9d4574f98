"""The site's own components (st.components.v2) in AppTest: which are drawn, and a trigger sent as the browser sends it."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def drawn(at: AppTest, component: str) -> dict[str, object]:
    """The last run's elements of `component`, by their key (Streamlit ids a keyed element "$$ID-<hash>-<key>")."""
    return {e.proto.id.split("-", 2)[2]: e for e in at.get("bidi_component") if e.proto.component_name == component}


def send_triggers(at: AppTest, triggers: list[tuple[str, list]]) -> AppTest:
    """One run with each (element id, payload) sent as that component's one-off trigger (its callbacks run), beside
    every other widget's value, as AppTest.run would send them."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    states = at._tree.get_widget_states()
    for element_id, payload in triggers:
        states.widgets.append(WidgetState(id=_make_trigger_id(element_id, "events"),
                                          json_trigger_value=json.dumps(payload)))
    return at._run(states)
