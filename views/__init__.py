"""Bodies of single pages (Changelog, Contested prompts, Downloads): Streamlit code that only one page uses."""
