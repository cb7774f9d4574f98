"""Model Spec parsing (fixture and, when present, the real texts), pinned download, checksum and cache."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from core import config
from core.ranker.spec import SpecError, fetch_pinned, load_spec, parse_sections

FIXTURE = Path(__file__).parent / "fixtures" / "spec_small.md"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "model_spec"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _versions(data: bytes) -> dict:
    return {"v-test": {"commit": COMMIT, "sha256": hashlib.sha256(data).hexdigest()}}


class Downloads:
    """Stands in for the network: counts calls and returns fixed bytes."""

    def __init__(self, data: bytes):
        self.data = data
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.data


def test_fixture_hierarchy_and_attributes():
    sections = parse_sections(FIXTURE.read_text(encoding="utf-8"))
    table = [(s.anchor, s.level, s.parent, s.chapter, s.authority, s.position) for s in sections]
    assert table == [
        ("purpose", 1, None, "purpose", None, 0),
        ("scope", 2, "purpose", "purpose", "root", 1),
        ("be_useful", 1, None, "be_useful", None, 2),
        ("answer_question", 2, "be_useful", "be_useful", "developer", 3),
        ("check_facts", 3, "answer_question", "be_useful", "user", 4),
        ("admit_doubt", 3, "answer_question", "be_useful", "guideline", 5),
        ("stay_kind", 1, None, "stay_kind", None, 6),
        ("avoid_insults", 2, "stay_kind", "stay_kind", "user", 7),
    ]
    assert sections[4].title == "Check facts"


def test_headings_inside_fenced_blocks_are_ignored():
    sections = parse_sections(FIXTURE.read_text(encoding="utf-8"))
    anchors = {s.anchor for s in sections}
    assert "fake_anchor" not in anchors
    answer = next(s for s in sections if s.anchor == "answer_question")
    # The ``` block nested in the ~~~ block does not close it, so "# not a heading either" stays text.
    assert "# functions" in answer.text and "# not a heading either" in answer.text
    assert answer.text.startswith("Stay on the topic")
    assert answer.text.endswith("Text after the example still belongs to this section.")


def test_section_text_stops_at_next_heading():
    sections = {s.anchor: s for s in parse_sections(FIXTURE.read_text(encoding="utf-8"))}
    assert sections["check_facts"].text.startswith("Verify claims")
    assert "Say when you are unsure" not in sections["check_facts"].text
    assert "## also not a heading" in sections["check_facts"].text
    assert sections["stay_kind"].text == ""
    assert sections["be_useful"].text == "Opening words of the first chapter."


def test_unclosed_fence_hides_later_headings_and_duplicate_anchor_fails():
    text = "# A {#a}\n\n```\n# B {#b}\n"
    assert [s.anchor for s in parse_sections(text)] == ["a"]
    with pytest.raises(SpecError, match="appears twice"):
        parse_sections("# A {#a}\n## Again {#a}\n")
    with pytest.raises(SpecError, match="no `# Title"):
        parse_sections("no headings here\n")


def test_pinned_download_is_cached_then_served_from_cache(tmp_path):
    data = FIXTURE.read_bytes()
    download = Downloads(data)
    spec = load_spec("v-test", cache_dir=tmp_path, versions=_versions(data), download=download)
    assert download.urls == [config.SPEC_RAW_URL.format(commit=COMMIT)]
    assert spec.version == "v-test" and spec.sha256 == hashlib.sha256(data).hexdigest()
    assert len(spec.sections) == 8
    again = load_spec("v-test", cache_dir=tmp_path, versions=_versions(data), download=download)
    assert len(download.urls) == 1  # cache hit: no second download
    assert again.text == spec.text


def test_checksum_mismatch_names_expected_and_actual(tmp_path):
    data = FIXTURE.read_bytes()
    versions = {"v-test": {"commit": COMMIT, "sha256": "0" * 64}}
    with pytest.raises(SpecError) as caught:
        fetch_pinned("v-test", cache_dir=tmp_path, versions=versions, download=Downloads(data))
    message = str(caught.value)
    assert "0" * 64 in message and hashlib.sha256(data).hexdigest() in message
    assert not list(tmp_path.iterdir())  # nothing unverified is cached


def test_damaged_cache_is_fetched_again(tmp_path):
    data = FIXTURE.read_bytes()
    download = Downloads(data)
    fetch_pinned("v-test", cache_dir=tmp_path, versions=_versions(data), download=download)
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(data + b"tampered")
    assert fetch_pinned("v-test", cache_dir=tmp_path, versions=_versions(data), download=download) == data
    assert len(download.urls) == 2


def test_unknown_version_and_network_failure_are_clear(tmp_path):
    with pytest.raises(SpecError, match="unknown spec version"):
        fetch_pinned("1999-01-01", cache_dir=tmp_path)

    def offline(url: str) -> bytes:
        raise OSError("no route to host")

    with pytest.raises(SpecError, match="--spec PATH"):
        fetch_pinned("v-test", cache_dir=tmp_path, versions=_versions(b"x"), download=offline)


def test_local_file_is_named_by_checksum(tmp_path):
    data = FIXTURE.read_bytes()
    named = load_spec(path=FIXTURE, versions=_versions(data))
    assert named.version == "v-test"
    unnamed = load_spec(path=FIXTURE, versions={})
    assert unnamed.version == f"local-{hashlib.sha256(data).hexdigest()[:12]}"
    other = {"v-test": {"commit": COMMIT, "sha256": "f" * 64}}
    with pytest.raises(SpecError, match="checksum mismatch"):
        load_spec(version="v-test", path=FIXTURE, versions=other)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/model_spec not available")
def test_real_2025_04_11_matches_shipped_sections():
    spec = load_spec(path=SHARED / "model_spec_2025-04-11.md")
    assert spec.version == "2025-04-11"  # the file's checksum matches the pin in config
    with config.SECTIONS_CSV.open(encoding="utf-8", newline="") as handle:
        shipped = [(r["anchor"], r["title"], int(r["level"]), r["parent"] or None, r["chapter"])
                   for r in csv.DictReader(handle)]
    parsed = [(s.anchor, s.title, s.level, s.parent, s.chapter) for s in spec.sections]
    assert len(parsed) == 71
    assert parsed == shipped
    assert "functions" not in spec.anchors


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/model_spec not available")
def test_real_2025_09_12_parses_with_pinned_checksum():
    spec = load_spec(path=SHARED / "model_spec_2025-09-12.md")
    assert spec.version == "2025-09-12"
    levels = [sum(1 for s in spec.sections if s.level == n) for n in (1, 2, 3, 4)]
    assert levels == [7, 39, 22, 9]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/model_spec not available")
def test_default_version_comes_from_a_verified_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SPEC_CACHE_DIR", tmp_path)
    pin = config.SPEC_VERSIONS["2025-04-11"]
    (tmp_path / f"model_spec_2025-04-11_{pin['commit'][:12]}.md").write_bytes(
        (SHARED / "model_spec_2025-04-11.md").read_bytes())

    def no_network(url: str) -> bytes:
        raise AssertionError(f"unexpected download of {url}")

    spec = load_spec(download=no_network)
    assert spec.version == "2025-04-11" and spec.sha256 == pin["sha256"] and len(spec.sections) == 71
