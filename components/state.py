"""Shared filters and page parameters, kept in session state and mirrored in the URL (non-default values only)."""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlencode, urljoin

import streamlit as st

from components import data, labels
from components.choice import choice
from core import config, exports
from core.reads import figures

SHARED = ("run", "block", "metric", "threshold", "group")
DEFAULTS = {"block": "world", "metric": "pairwise", "threshold": "5", "group": None}
MAX_VALUE_CHARS = 200
MAX_LISTED = 8
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_")
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
                             "li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "si", "ref_src"})
LABELS = {
    "block": {"world": "World: best for everyone", "personal": "Personal: best for me"},
    "metric": {"pairwise": "Pairwise order", "top": "Top choice"},
    "threshold": {"5": "Relevance 5 (highest)", "4": "Relevance 4 or more", "3": "Relevance 3 or more"},
}

_WRITTEN, _INCOMING, _IGNORED, _PAGE, _PAGE_PARAMS, _SHOWN, _KEEP = (
    "_state_written", "_state_incoming", "_state_ignored", "_state_page", "_state_page_params", "_state_shown",
    "_state_keep_notice")


@dataclass(frozen=True)
class View:
    """The shared filters of one page run; `group` is (field, level) or None for everyone."""

    run: str | None
    block: str
    metric: str
    threshold: int
    group: tuple[str, str] | None = None

    def params(self) -> dict[str, str]:
        """Every filter as URL text."""
        return {"run": self.run or "", "block": self.block, "metric": self.metric,
                "threshold": str(self.threshold), "group": ":".join(self.group) if self.group else ""}

    def slug(self) -> str:
        """A file-name fragment built from the validated values."""
        return exports.slug(self.run, self.block, self.metric, f"t{self.threshold}", *(self.group or ()))

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _query_now() -> dict[str, list[str]]:
    return {k: list(st.query_params.get_all(k)) for k in st.query_params}


def _ignore(text: str) -> None:
    st.session_state.setdefault(_IGNORED, []).append(text[:60])


def _take(name: str, allowed: Collection[str]) -> str | None:
    """Consume `name` from a new URL: the value when valid, None (and a notice) otherwise."""
    values = st.session_state.get(_INCOMING, {}).pop(name, None)
    if values is None:
        return None
    if len(values) != 1:
        _ignore(f"{name} (given {len(values)} times)")
    elif len(values[0]) > MAX_VALUE_CHARS:
        _ignore(f"{name} (value too long)")
    elif values[0] not in allowed:
        _ignore(f"{name}={values[0]}")
    else:
        return values[0]
    return None


def is_tracking(name: str) -> bool:
    """Well-known campaign and click-tracking parameters, which sharing adds to links: dropped without a notice."""
    return name.lower().startswith(TRACKING_PREFIXES) or name.lower() in TRACKING_PARAMS


def start(page_url_path: str) -> None:
    """Begin a page run: a URL we did not write ourselves (a shared link, a pasted URL) is read as new input."""
    ss = st.session_state
    now = _query_now()
    ours, keep = now == ss.get(_WRITTEN), ss.pop(_KEEP, False)
    ss[_INCOMING] = {} if ours else {k: v for k, v in now.items() if not is_tracking(k)}
    # A rerun that only shows other content of the same page (keep_notice) keeps the link's notice.
    kept = ss.get(_SHOWN, []) if ours and keep and ss.get(_PAGE) == page_url_path else []
    ss[_IGNORED], ss[_PAGE], ss[_PAGE_PARAMS] = list(kept), page_url_path, {}


def keep_notice() -> None:
    """Widget callback for a rerun that only reveals content (a tab): the ignored-parameters notice stays."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:
        # A fragment's own rerun (the Changelog's entries) leaves the notice drawn as it is: a flag set here would
        # wait for the next whole run and keep the notice through a filter change, which should clear it.
        return
    st.session_state[_KEEP] = True


def _allowed() -> dict[str, tuple[str, ...]]:
    """Every valid value of each shared filter, for the store being shown (read once per store, not per call)."""
    try:
        return _allowed_for(str(data.store_file()))
    except data.StoreUnavailable:
        return _allowed_values([], None)


@st.cache_resource(show_spinner=False)
def _allowed_for(store: str) -> dict[str, tuple[str, ...]]:
    # Shared by every session: the dict holds tuples only, so nothing can change it in place.
    runs = data.read(figures.ranker_runs)["run_id"].astype(str).tolist()
    return _allowed_values(runs, data.read(figures.demographic_counts))


def _allowed_values(runs: list[str], groups) -> dict[str, tuple[str, ...]]:
    group_values = () if groups is None else tuple(
        f"{f}:{lv}" for f, lv in zip(groups["field"], groups["level"], strict=True) if lv != "(not given)")
    return {"run": tuple(runs), "block": tuple(config.BLOCKS), "metric": tuple(config.METRICS),
            "threshold": tuple(str(t) for t in config.THRESHOLDS), "group": group_values}


def _default(name: str, allowed: dict[str, list[str]]) -> str | None:
    if name == "run":
        return allowed["run"][0] if allowed["run"] else None
    return DEFAULTS[name]


def current_view() -> View:
    """The shared filters for this run, validated against what the store holds."""
    allowed = _allowed()
    values: dict[str, str | None] = {}
    for name in SHARED:
        key = f"view:{name}"
        taken = _take(name, allowed[name])
        if taken is not None:
            st.session_state[key] = taken
        value = st.session_state.get(key)
        values[name] = value if value in allowed[name] else _default(name, allowed)
    group = tuple(values["group"].split(":", 1)) if values["group"] else None
    return View(run=values["run"], block=values["block"], metric=values["metric"],
                threshold=int(values["threshold"]), group=group)


def _set_view(name: str, value: str) -> None:
    st.session_state[f"view:{name}"] = value


def filter_controls(names: Sequence[str] = ("run", "block", "metric", "threshold"), *,
                    group_fields: Sequence[str] = ()) -> View:
    """Draw selectors for some shared filters (they wrap on a phone) and return the view."""
    view = current_view()
    allowed = _allowed()
    current = view.params()
    shown = [n for n in names if not (n == "run" and len(allowed["run"]) < 2)]  # one run: nothing to choose
    # Columns share the row on a wide screen and stack on a phone.
    columns = iter(st.columns(len(shown) + (1 if group_fields else 0) or 1))
    for name in shown:
        with next(columns):
            choice(_TITLES[name], allowed[name], current[name], key=f"w:{name}",
                   on_pick=lambda v, n=name: _set_view(n, v), format_func=lambda v, n=name: LABELS.get(n, {}).get(v, v))
    if group_fields:
        options = [""] + [g for g in allowed["group"] if g.split(":", 1)[0] in group_fields]
        with next(columns):
            choice("Group", options, current["group"] if current["group"] in options else "", key="w:group",
                   on_pick=lambda v: _set_view("group", v), format_func=group_label)
    return current_view()


_TITLES = {"run": "Ranker run", "block": "Question", "metric": "Agreement measure", "threshold": "Section relevance"}


def group_label(value: str) -> str:
    """'Country: MEX' style label for a group filter value ('' = everyone)."""
    if not value:
        return "Everyone"
    field, level = value.split(":", 1)
    return f"{labels.FIELDS.get(field, field)}: {labels.level_name(field, level)}"


def page_param(name: str, allowed_values: Collection[str], default: str | None) -> str | None:
    """A page-specific URL parameter, validated against `allowed_values`; invalid ones are noted and ignored."""
    key = f"page:{st.session_state.get(_PAGE)}:{name}"
    taken = _take(name, allowed_values)
    if taken is not None:
        st.session_state[key] = taken
    value = st.session_state.get(key, default)
    if value is not None and value not in allowed_values:
        value = default
    st.session_state.setdefault(_PAGE_PARAMS, {})[name] = (value, default)
    return value


def set_page_param(name: str, value: str | None) -> None:
    """Change a page parameter from a widget callback."""
    st.session_state[f"page:{st.session_state.get(_PAGE)}:{name}"] = value


def select_page_param(name: str, label: str, options: Sequence[str | None], default: str | None,
                      format_func: Callable[[str | None], str] = str) -> str | None:
    """A list bound to a page parameter (and so to the URL)."""
    value = page_param(name, [o for o in options if o is not None], default)
    return choice(label, options, value, key=f"w:page:{name}", on_pick=lambda v: set_page_param(name, v),
                  format_func=format_func)


def _url_params() -> dict[str, str]:
    view = current_view()
    allowed = _allowed()
    out = {n: v for n, v in view.params().items() if v and v != _default(n, allowed)}
    for name, (value, default) in st.session_state.get(_PAGE_PARAMS, {}).items():
        if value is not None and value != default:
            out[name] = value
    return out


def permalink(page_url_path: str, *, pin: Sequence[str] = (), **params: object) -> str:
    """Relative URL of a page with the current shared state (non-default values, plus `pin`) and `params`."""
    allowed = _allowed()
    view = current_view().params()
    out = {n: v for n, v in view.items() if v and (n in pin or v != _default(n, allowed))}
    for name, value in params.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = str(value)
    query = urlencode(out)
    return f"./{page_url_path}" + (f"?{query}" if query else "")


def absolute(relative_url: str) -> str:
    """The full URL of a relative link, from the address the visitor is using."""
    base = st.context.url or "http://localhost:8501/"
    return urljoin(base, relative_url)


def finish(notice_slot: st.delta_generator.DeltaGenerator) -> None:
    """End a page run: list ignored parameters in one notice and mirror the state in the URL."""
    ss = st.session_state
    for name in ss.get(_INCOMING, {}):
        _ignore(f"{name} (unknown)")
    ignored = ss[_SHOWN] = ss.get(_IGNORED, [])
    if ignored:
        shown = ", ".join(ignored[:MAX_LISTED]) + (f" and {len(ignored) - MAX_LISTED} more"
                                                   if len(ignored) > MAX_LISTED else "")
        # st.text, not markdown: the names and values come from the visitor's URL.
        with notice_slot.container(border=True):
            st.text(f"Ignored link parameters: {shown}")
    wanted = _url_params()
    if {k: [v] for k, v in wanted.items()} != _query_now():
        st.query_params.from_dict(wanted)
    ss[_WRITTEN] = {k: [v] for k, v in wanted.items()}
