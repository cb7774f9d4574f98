"""Sources: resolving names, loading a local release through load_dataset, and refusing files that are not JSONL."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core import config
from core.release import source
from core.release.source import SourceError, iter_records, open_release, resolve_source
from tests.conftest import BAD_INPUTS, RELEASE_TINY


def _line_count(path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.fixture
def load_calls(monkeypatch) -> list[tuple]:
    """Record every datasets.load_dataset call (and still perform it)."""
    import datasets

    calls = []
    real = datasets.load_dataset

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(datasets, "load_dataset", spy)
    return calls


def test_front_matter_release_loads_each_config_through_load_dataset(load_calls):
    release = open_release(resolve_source(str(RELEASE_TINY)))
    for config_name, file_name in config.HF_CONFIGS.items():
        records = list(iter_records(release, config_name))
        expected = [json.loads(line) for line in (RELEASE_TINY / file_name).read_text(encoding="utf-8").splitlines()]
        assert [r.line for r in records] == list(range(1, len(expected) + 1))
        assert release.files[config_name].loader == "load_dataset"
        # Arrow keeps nested values intact: the first record's ids and nested assessment count survive.
        first = records[0].value
        for key in ("prompt_id", "annotator_id"):
            if key in expected[0]:
                assert first[key] == expected[0][key]
    # Each config's file as the README's `configs:` names it, passed explicitly: the file read is the file hashed.
    assert [(args, kwargs["data_files"]) for args, kwargs in load_calls] == [
        ((str(RELEASE_TINY),), {"train": f}) for f in config.HF_CONFIGS.values()]
    assert all(kwargs["split"] == "train" for _, kwargs in load_calls)


def test_release_without_front_matter_loads_with_data_files(tiny_copy, load_calls):
    (tiny_copy / "README.md").unlink()
    release = open_release(resolve_source(str(tiny_copy)))
    records = list(iter_records(release, "annotators"))
    assert len(records) == _line_count(tiny_copy / "annotators.jsonl") == 5
    assert release.files["annotators"].loader == "load_dataset"
    (args, kwargs), = load_calls
    assert args == (str(tiny_copy),)
    assert kwargs["data_files"] == {"train": "annotators.jsonl"}


def test_blank_lines_keep_physical_line_numbers(tiny_copy):
    path = tiny_copy / "comparisons.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(lines[0] + "\n\n" + "\n".join(lines[1:]) + "\n", encoding="utf-8")
    release = open_release(resolve_source(str(tiny_copy)))
    records = list(iter_records(release, "comparisons"))
    assert release.files["comparisons"].loader == "load_dataset"
    assert [r.line for r in records] == [1, 3, 4]
    assert records[1].value["prompt_id"] == json.loads(lines[1])["prompt_id"]


def test_malformed_line_falls_back_to_reading_every_line(tiny_copy):
    path = tiny_copy / "comparisons.jsonl"
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"prompt_id": oops\n')
    release = open_release(resolve_source(str(tiny_copy)))
    records = list(iter_records(release, "comparisons"))
    item = release.files["comparisons"]
    assert item.loader == "line_by_line" and "load_dataset refused" in item.loader_notice
    assert [r.line for r in records] == [1, 2, 3, 4]
    assert [r.error is None for r in records] == [True, True, True, False]
    assert "not valid JSON" in records[3].error


def _set_demographics(row):
    row["demographics"] = "not an object"  # a struct in every other row


def _set_importance(row):
    row["assessments"][0]["importance"] = 5  # text in every other assessment


@pytest.mark.parametrize("mutate", [_set_demographics, _set_importance])
def test_type_conflict_falls_back_and_keeps_every_value_as_written(tiny_copy, mutate):
    # datasets would store such a column as JSON text (or coerce 5 to "5"); the records must stay as written.
    path = tiny_copy / "annotators.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    mutate(rows[-1])
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    release = open_release(resolve_source(str(tiny_copy)))
    records = list(iter_records(release, "annotators"))
    assert release.files["annotators"].loader == "line_by_line"
    assert [r.value for r in records] == rows
    assert isinstance(records[0].value["demographics"], dict)


@pytest.mark.parametrize("bad_file, message", [
    ("not_jsonl.csv", "none of its first"),
    ("binary.bin", "binary"),
    ("pretty.json", "none of its first"),
    ("empty.jsonl", "is empty"),
])
def test_file_that_is_not_jsonl_stops_with_a_clear_message(tiny_copy, bad_file, message):
    shutil.copy(BAD_INPUTS / bad_file, tiny_copy / "comparisons.jsonl")
    with pytest.raises(SourceError) as caught:
        open_release(resolve_source(str(tiny_copy)))
    assert "comparisons.jsonl" in str(caught.value) and message in str(caught.value)


def test_missing_file_stops_with_a_clear_message(tiny_copy):
    (tiny_copy / "merged_comparisons_annotators.jsonl").unlink()
    with pytest.raises(SourceError, match=r"merged_comparisons_annotators\.jsonl is missing"):
        open_release(resolve_source(str(tiny_copy)))


def test_resolve_named_sources(tmp_path, monkeypatch):
    sample = resolve_source("sample")
    assert (sample.kind, sample.synthetic, sample.location) == ("sample", True, str(config.SAMPLE_DIR))
    hub = resolve_source("hf", revision="abc1234")
    assert (hub.kind, hub.location, hub.revision, hub.synthetic) == ("hf", config.HF_REPO, "abc1234", False)
    local = resolve_source(str(tmp_path))
    assert local.kind == "local" and not local.synthetic
    (tmp_path / "README.md").write_text("---\nsynthetic: true\n---\n", encoding="utf-8")
    assert resolve_source(str(tmp_path)).synthetic
    (tmp_path / "README.md").write_text("---\nconfigs: []\n---\n\n# SYNTHETIC DATA: not the release\n", encoding="utf-8")
    assert resolve_source(str(tmp_path)).synthetic
    (tmp_path / "README.md").write_text("---\nsynthetic: false\n---\n\n# Real copy\n", encoding="utf-8")
    assert not resolve_source(str(tmp_path)).synthetic
    with pytest.raises(SourceError, match="neither"):
        resolve_source(str(tmp_path / "nope"))


def test_auto_uses_the_hub_only_when_it_answers(monkeypatch):
    monkeypatch.setattr(source, "_probe_hub", lambda timeout: "the hub could not be reached within 3 s (URLError)")
    fallback = resolve_source("auto")
    # Offline, the default is the synthetic release at the study's scale, generated on first use.
    assert fallback.kind == "demo" and fallback.synthetic
    assert "could not be reached" in fallback.reason and "synthetic demo" in fallback.reason
    monkeypatch.setattr(source, "_probe_hub", lambda timeout: None)
    hub = resolve_source("auto")
    assert hub.kind == "hf" and "answered" in hub.reason


def test_environment_variable_picks_the_source(monkeypatch):
    monkeypatch.setenv(config.SOURCE_ENV, "sample")
    assert resolve_source(None).kind == "sample"


def test_local_load_runs_offline_and_restores_the_flag():
    import datasets.config
    import huggingface_hub.constants

    before = datasets.config.HF_HUB_OFFLINE
    seen = []
    with source._offline():
        seen.append((datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE))
    assert seen == [(True, True)]
    assert before == datasets.config.HF_HUB_OFFLINE


class _FakeHub:
    """Stands in for huggingface_hub.HfApi: rejects the pinned short revision, answers for `main`."""

    def __init__(self, reject: set[str] | None = None, unreachable: bool = False):
        self.reject, self.unreachable, self.asked = reject or set(), unreachable, []

    def __call__(self):
        return self

    def dataset_info(self, repo, revision=None, files_metadata=False):
        import httpx2
        from huggingface_hub.errors import RevisionNotFoundError
        from huggingface_hub.hf_api import BlobLfsInfo, RepoSibling

        self.asked.append(revision)
        if self.unreachable:
            raise httpx2.ConnectError("Name or service not known")
        if revision in self.reject:
            request = httpx2.Request("GET", f"https://huggingface.co/api/datasets/{repo}/revision/{revision}")
            raise RevisionNotFoundError("Invalid rev id", response=httpx2.Response(404, request=request))
        siblings = [RepoSibling(rfilename=name, size=100 + i, lfs=BlobLfsInfo(size=100 + i, sha256=f"{i}" * 64,
                                                                               pointer_size=130))
                    for i, name in enumerate(config.HF_CONFIGS.values())]
        return type("Info", (), {"sha": "f" * 40, "siblings": siblings})()


def test_hub_release_falls_back_to_main_with_a_notice_and_records_the_commit(monkeypatch, capsys, load_calls):
    import datasets
    import huggingface_hub

    hub = _FakeHub(reject={"bcd3b55"})
    monkeypatch.setattr(huggingface_hub, "HfApi", hub)
    release = open_release(resolve_source("hf", revision="bcd3b55"))
    assert hub.asked == ["bcd3b55", "main"]
    assert release.revision == "main" and release.resolved_commit == "f" * 40
    assert "rejected revision 'bcd3b55'" in release.notices[0] and "notice:" in capsys.readouterr().out
    assert release.files["annotators"].sha256 == "1" * 64
    # The file is first fetched and scanned for lines pyarrow must not see (core.jsonline), then read through
    # load_dataset on the repo id at the resolved commit.
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", lambda *a, **k: str(RELEASE_TINY / "annotators.jsonl"))
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: load_calls.append((a, k)) or _tiny_dataset())
    assert [r.value["annotator_id"] for r in iter_records(release, "annotators")][:1] == [
        json.loads((RELEASE_TINY / "annotators.jsonl").read_text(encoding="utf-8").splitlines()[0])["annotator_id"]]
    (args, kwargs), = load_calls
    assert args == (config.HF_REPO, "annotators") and kwargs["revision"] == "f" * 40


def _tiny_dataset():
    import datasets

    return datasets.Dataset.from_json(str(RELEASE_TINY / "annotators.jsonl"))


def test_unreachable_hub_is_a_clear_source_error(monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", _FakeHub(unreachable=True))
    with pytest.raises(SourceError, match=r"could not be reached .*ConnectError"):
        open_release(resolve_source("hf"))


def test_the_demo_is_generated_once_and_labelled_synthetic(tmp_path, monkeypatch):
    from core.synth import demo

    calls = []
    monkeypatch.setattr(config, "BUILD_DIR", tmp_path)

    def fake_generate(scale, seed, out):  # the real generator takes seconds at full scale; its output is tested elsewhere
        calls.append((scale, seed))
        shutil.copytree(config.SAMPLE_DIR, out)

    monkeypatch.setattr("core.synth.generate.generate", fake_generate)
    source = resolve_source("demo")
    assert source.synthetic and source.kind == "demo" and "synthetic" in source.label
    messages = []
    demo.ensure(Path(source.location), lambda f, m: messages.append(m))
    demo.ensure(Path(source.location), lambda f, m: messages.append(m))
    assert calls == [("full", demo.SEED)] and len(messages) == 1 and "study's scale" in messages[0]
    assert (Path(source.location) / "comparisons.jsonl").is_file()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # written aside, moved in whole


def test_datasets_settings_stay_changed_until_the_last_of_two_overlapping_readers_leaves(monkeypatch):
    # The build reads the rubric file on a second thread while the release is read: the first reader out must not
    # put `datasets` back online (or verbose) under the other one.
    import datasets
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    verbosity = datasets.logging.get_verbosity()
    first, second = source._offline(), source._offline()
    loud_first, loud_second = source._quiet_datasets(), source._quiet_datasets()
    for held in (first, loud_first, second, loud_second):
        held.__enter__()
    first.__exit__(None, None, None)
    loud_first.__exit__(None, None, None)
    assert datasets.config.HF_HUB_OFFLINE is True and huggingface_hub.constants.HF_HUB_OFFLINE is True
    assert datasets.logging.get_verbosity() == datasets.logging.CRITICAL
    second.__exit__(None, None, None)
    loud_second.__exit__(None, None, None)
    assert datasets.config.HF_HUB_OFFLINE is False and huggingface_hub.constants.HF_HUB_OFFLINE is False
    assert datasets.logging.get_verbosity() == verbosity
