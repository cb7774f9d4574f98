"""Streamlit widgets and pure Plotly figure builders shared by the pages."""
