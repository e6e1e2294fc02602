"""Themes of open answers: grouped with embeddings (the real MiniLM) or TF-IDF, labelled by telling words."""

from __future__ import annotations

from bot.nlp.sentiment import SharedBackend
from bot.nlp.themes import themes_for

ANSWERS = [
    "the wifi at the venue was slow", "wifi kept dropping all evening", "bad wifi connection at the venue",
    "loved the pizza and the snacks", "more pizza next time please", "the food and snacks were tasty",
    "the talks were too long", "shorter talks please, some talks dragged on", "a few talks were long and boring",
]


def test_open_answers_fall_into_themes_named_by_their_words(minilm: SharedBackend) -> None:
    encoder = minilm.encoder
    assert encoder is not None
    themes = themes_for(ANSWERS, encoder.encode, max_themes=4)  # type: ignore[attr-defined]
    assert sorted(t.size for t in themes) == [3, 3, 3]
    words = {w for t in themes for w in t.words}
    assert {"wifi", "pizza", "talks"} <= words
    assert abs(sum(t.share for t in themes) - 1.0) < 1e-3
    assert themes == themes_for(ANSWERS, encoder.encode, max_themes=4)  # type: ignore[attr-defined]


def test_without_a_model_themes_come_from_tfidf_and_small_inputs_give_none() -> None:
    themes = themes_for(ANSWERS + ["wifi was slow again"], max_themes=5)
    assert themes and all(t.size >= 2 for t in themes)
    assert themes_for(["just one answer", "and another"]) == []
    assert themes_for(["", "   ", "!!"]) == []
