"""Link hygiene: tracking parameters dropped silently, paired with real and junk parameters."""
from __future__ import annotations

import pytest

from components import state
from tests.site.test_pages import healthy, notice


@pytest.mark.parametrize("tracking", [{"utm_source": "newsletter", "utm_campaign": "x"}, {"fbclid": "IwAR0abc"},
                                      {"gclid": "Cj0KCQ"}, {"UTM_Medium": "social", "msclkid": "1"}])
def test_tracking_parameters_are_dropped_without_a_notice(site, tracking):
    at = site("app_pages/sections.py", block="personal", foo="1", **tracking)
    healthy(at)
    listed = notice(at)
    assert "foo (unknown)" in listed  # a real junk parameter is still reported …
    assert not any(name in listed for name in tracking)  # … a tracking one is not
    assert at.query_params["block"] == "personal"  # and the real view parameter still applies
    assert not any(name in at.query_params for name in tracking)  # the rewritten URL drops it


def test_tracking_alone_leaves_no_notice_and_a_clean_url(site):
    at = site("app_pages/people.py", utm_source="x", gclid="y", country="USA")
    healthy(at)
    assert not notice(at) and dict(at.query_params) == {"country": "USA"}


def test_only_well_known_names_count_as_tracking():
    assert state.is_tracking("utm_content") and state.is_tracking("FBCLID") and state.is_tracking("mtm_kwd")
    assert not state.is_tracking("run") and not state.is_tracking("utm") and not state.is_tracking("group")
