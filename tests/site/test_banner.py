"""The data-source banner names what was loaded: the demo apart from the sample, the hub repository read."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _banner(info: dict[str, str]) -> AppTest:
    def script(info):
        from components import frame

        frame.source_banner(info)

    return AppTest.from_function(script, args=(info,)).run()


@pytest.mark.parametrize(("source", "title"), [("demo", "Synthetic demo"), ("sample", "Synthetic sample")])
def test_synthetic_banner_names_demo_or_sample(source, title):
    at = _banner({"source": source, "synthetic": "true"})
    (error,) = at.error
    assert error.value.startswith(f"**{title} — not real results.**")
    assert f"CA_SOURCE={source}" in at.text[0].value


@pytest.mark.parametrize("repo", ["openai/coval", "openai/collective-alignment-1"])
def test_real_banner_names_the_hub_repository_and_revision(repo):
    at = _banner({"source": "hf", "synthetic": "false", "source_label": f"{repo} (Hugging Face hub)",
                  "revision": "0123456789abcdef0123", "resolved_commit": "0123456789abcdef0123"})
    assert not at.error
    (info,) = at.info
    assert info.value == f"Data: {repo.replace('-', chr(92) + '-')} (CA-1) release, CC BY 4.0, revision `0123456789abcdef0123`."
