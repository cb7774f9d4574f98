"""Collective Alignment Explorer core: everything that runs without Streamlit."""
