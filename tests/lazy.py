"""Open what a page draws only on request in AppTest: lazy expanders ("open:…"), chart-and-table tabs ("tabs:…") and
a finding's difference tab ("finding:…")."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

PREFIX = "open:"
TABS = "tabs:"  # components.tables.figure_with_table keys its Chart/Table tabs "tabs:<name>"
TABLE = "Table"
FINDINGS = "finding:"  # components.crowd.FINDING_TABS: a finding's estimate and difference tabs


def closed_keys(at: AppTest) -> list[str]:
    return [k for k in at.session_state if str(k).startswith(PREFIX) and not at.session_state[k]]


def closed_tables(at: AppTest) -> list[str]:
    """Keys of the chart-and-table widgets whose Table tab is not the open one."""
    return [k for k in at.session_state if str(k).startswith(TABS) and at.session_state[k] != TABLE]


def open_all(at: AppTest, rounds: int = 3, *, tables: bool = False) -> AppTest:
    """Open them all and rerun until none is left closed (nested ones appear only once their parent is open).
    With `tables`, also switch every chart-and-table widget to its Table tab (its chart is then not drawn)."""
    return _open(at, rounds, expanders=True, tables=tables)


def open_tables(at: AppTest, rounds: int = 3) -> AppTest:
    """Switch every chart-and-table widget to its Table tab, so `at.dataframe` holds each one's table."""
    return _open(at, rounds, expanders=False, tables=True)


def _open(at: AppTest, rounds: int, *, expanders: bool, tables: bool) -> AppTest:
    for _ in range(rounds):
        closed = (closed_keys(at) if expanders else []) + (closed_tables(at) if tables else [])
        if not closed:
            break
        for key in closed:
            at.session_state[key] = TABLE if str(key).startswith(TABS) else True
        at.run()
    return at


def open_findings(at: AppTest) -> AppTest:
    """Switch every finding's tabs to its difference from everyone else (each switch reruns the page)."""
    from components.crowd import DIFFERENCE_TAB

    for key in [k for k in at.session_state if str(k).startswith(FINDINGS) and at.session_state[k] != DIFFERENCE_TAB]:
        at = switch_tab(at, str(key), DIFFERENCE_TAB)
    return at


def switch_tab(at: AppTest, key: str, label: str = TABLE) -> AppTest:
    """Switch a keyed st.tabs as the browser does: the tab's new label goes back as a widget value (so its on_change
    callback runs), beside every other widget's value. AppTest has no tab widget, and setting session state would
    skip the callback, so this sends the state AppTest.run would send plus the tab's."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    ids = [b.proto.tab_container.id for b in _blocks(at._tree) if b.type == "tab_container"
           and b.proto.tab_container.id.endswith(f"-{key}")]
    assert len(ids) == 1, (key, ids)
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=ids[0], string_value=label))
    return at._run(states)


def _blocks(node):
    for child in getattr(node, "children", {}).values():
        if hasattr(child, "children"):
            yield child
            yield from _blocks(child)
