"""Data and downloads: every table in two tiers, slices of assessments, manifests, citation, schema and SQL access."""
from datetime import UTC, datetime

import streamlit as st

from components import data, frame, labels, state
from core import config, exports, privacy, store
from core.reads import slices
from views import download_panel

st.title("Data and downloads")
st.markdown("Every table on this site and any slice of the assessments, as **CSV** (for spreadsheets) or "
            "**Parquet** (for code). Each download comes with a **manifest** saying what it holds and how it was "
            "made; the ZIP bundle holds all three and a README.")
view = state.filter_controls(("run", "block", "metric", "threshold"), group_fields=tuple(labels.FIELDS))

st.header("Tables")
name = state.select_page_param("table", "Table", list(slices.TABLES), "agreement_section",
                               format_func=lambda n: slices.TABLES[n].title)
download_panel.table_panel(name, view)
st.caption(exports.ESCAPING_NOTE)
st.caption(f"Small groups: {privacy.rules()['complementary_suppression']}.")

st.header("Slices of the assessments")
download_panel.slice_panel(view)

st.header("How to cite")
info = data.source_info()
today = datetime.now(UTC).strftime("%Y-%m-%d")
st.markdown("The dataset is OpenAI's *collective-alignment-1* (CC BY 4.0): reuse it freely, with attribution.")
if box := frame.lazy_expander("Citations to copy: the dataset, this site, BibTeX", "open:cite",
                              icon=":material/format_quote:"):
    with box:
        download_panel.citation_block(info, state.absolute(state.permalink("downloads")), today)

st.header("What the columns mean")
st.markdown("The tables follow the store's documented schema. Raw rows keep the release's own field names; "
            "shares are between 0 and 1; `n_participants` counts distinct people.")
if box := frame.lazy_expander("The data model (docs/data-model.md)", "open:data_model", icon=":material/description:"):
    # Our own documentation, not dataset text, so it may be rendered as Markdown.
    box.markdown((config.ROOT / "docs" / "data-model.md").read_text(encoding="utf-8"))

st.header("Query it with SQL")
path = store.store_path(data.source_name())
try:
    shown_path = path.resolve().relative_to(config.ROOT)
except ValueError:
    shown_path = path
st.markdown("If you run this site yourself (see the README), every table is in one DuckDB file. Open it "
            "read-only with the DuckDB command line or Python. The file holds the aggregates **unsuppressed**: "
            f"apply the rule of {privacy.MIN_PARTICIPANTS} participants before you publish anything from it.")
st.markdown(f"The store file: `{shown_path}`.")
if box := frame.lazy_expander("Commands to copy: DuckDB command line and Python", "open:sql", icon=":material/terminal:"):
    box.code(f'duckdb -readonly {shown_path} "SELECT * FROM manifest"', language="bash")
    box.code("import duckdb\n\n"
             f"con = duckdb.connect({str(shown_path)!r}, read_only=True)\n"
             "print(con.sql('SHOW TABLES'))\n"
             "print(con.sql(\"SELECT anchor, estimate, ci_low, ci_high, n_participants FROM agreement_section "
             "WHERE block = 'world' AND metric = 'pairwise' AND threshold = 5 ORDER BY estimate DESC\").df())",
             language="python")
