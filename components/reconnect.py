"""After a lost connection, rerun the page on whichever server process the reader reconnects to."""
import streamlit as st

# Streamlit's frontend reruns the script after a reconnect only while it holds a timed fragment. Without one,
# a reader moved to another process (a restart, or nginx's failover) keeps the old page drawn on a new,
# empty session: every download button then does nothing, as its file lived in the stopped process.
# The timer itself fires once a day and runs nothing.
RERUN_EVERY_S = 24 * 3600


@st.fragment(run_every=RERUN_EVERY_S)
def rerun_after_reconnect() -> None:
    """Call once per run; it draws nothing."""
