"""Open what a page draws only on request in AppTest: lazy expanders ("open:…"), chart-and-table tabs ("tabs:…"), a
finding's difference tab ("finding:…") and parts drawn after the first screen ("later:…", components.later)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.components import drawn, send_triggers

PREFIX = "open:"
TABS = "tabs:"  # components.tables.figure_with_table keys its Chart/Table tabs "tabs:<name>"
TABLE = "Table"
FINDINGS = "finding:"  # components.crowd.FINDING_TABS: a finding's estimate and difference tabs
LATER = "later:"  # components.later.PREFIX; the part's place-holder is the component keyed "near:<key>"
NEAR = "near:"


def closed_keys(at: AppTest) -> list[str]:
    return [k for k in at.session_state if str(k).startswith(PREFIX) and not at.session_state[k]]


def waiting_parts(at: AppTest) -> list[str]:
    """Keys of the parts still waiting to be drawn after the first screen: those whose place-holder the last run drew."""
    return [LATER + key[len(NEAR):] for key in drawn(at, "ca_later")]


def show_later(at: AppTest) -> AppTest:
    """Draw every part that waits for the reader to come near it, as the browser asks for it: the place-holder's
    one-off "show" trigger (its callback runs), beside every other widget's value."""
    return _open(at, 1, expanders=False, tables=False)


def closed_tables(at: AppTest) -> list[str]:
    """Keys of the chart-and-table widgets whose Table tab is not the open one."""
    return [k for k in at.session_state if str(k).startswith(TABS) and at.session_state[k] != TABLE]


def open_all(at: AppTest, rounds: int = 3, *, tables: bool = False, later: bool = True) -> AppTest:
    """Open them all (and draw the parts drawn later) and rerun until none is left closed (nested ones appear only
    once their parent is open).
    With `tables`, also switch every chart-and-table widget to its Table tab (its chart is then not drawn). With
    `later=False`, the parts drawn after the first screen stay waiting: AppTest draws one by rerunning the whole page
    (the browser reruns only its fragment), so a test of the page's own run keeps that run's notice."""
    return _open(at, rounds, expanders=True, tables=tables, later=later)


def open_tables(at: AppTest, rounds: int = 3) -> AppTest:
    """Switch every chart-and-table widget to its Table tab, so `at.dataframe` holds each one's table."""
    return _open(at, rounds, expanders=False, tables=True)


def _open(at: AppTest, rounds: int, *, expanders: bool, tables: bool, later: bool = True) -> AppTest:
    for _ in range(rounds):
        if later and (places := _place_holders(at)):
            _show(at, places)
            continue
        closed = (closed_keys(at) if expanders else []) + (closed_tables(at) if tables else [])
        if not closed:
            break
        # As a browser sends them: each block's new state as a widget value, so its on_change callback runs (a
        # lazy expander's keeps the link's notice), beside every other widget's value.
        _send(at, [(key, TABLE if str(key).startswith(TABS) else True) for key in closed])
    return at


def _place_holders(at: AppTest) -> list[str]:
    """Element ids of the place-holders the last run drew."""
    return [e.proto.id for e in drawn(at, "ca_later").values()]


def _show(at: AppTest, place_holders: list[str]) -> AppTest:
    return send_triggers(at, [(element_id, [{"event": "show", "value": True}]) for element_id in place_holders])


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
    return _send(at, [(key, label)])


def _send(at: AppTest, changes: list[tuple[str, str | bool]]) -> AppTest:
    """One run with keyed tabs (a label) and expanders (True: open) changed, the way the browser reports them."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    states = at._tree.get_widget_states()
    drawn = [_block_id(b) for b in _blocks(at._tree)]
    for key, value in changes:
        ids = [i for i in drawn if i.endswith(f"-{key}")]
        assert len(ids) <= 1, (key, ids)
        if not ids:  # its state outlived it (e.g. another page of the same session): nothing to open
            continue
        states.widgets.append(WidgetState(id=ids[0], string_value=value) if isinstance(value, str)
                              else WidgetState(id=ids[0], bool_value=value))
    return at._run(states)


def _block_id(block) -> str:
    if block.type == "tab_container":
        return block.proto.tab_container.id
    if block.type == "expander":
        return block.proto.id
    return ""


def _blocks(node):
    for child in getattr(node, "children", {}).values():
        if hasattr(child, "children"):
            yield child
            yield from _blocks(child)
