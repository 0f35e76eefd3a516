"""Query-understanding files reach every process when rebuilt, without a restart."""

import os
from dataclasses import replace

import pytest

from searchapp.query import file_cached
from searchapp.query.analyzer import analyze
from searchapp.query.file_cached import Derived, FileCached
from searchapp.query.vocabulary import vocabulary_path


def rewrite(path, text):
    """As the builders do: write aside, then rename over (a reader never sees half a file)."""
    aside = path.with_suffix(".tmp")
    aside.write_text(text)
    os.replace(aside, path)


def test_a_file_is_loaded_once_and_again_when_it_changes(settings, tmp_path):
    settings.SEARCH_QUERY_SETTINGS_CHECK_SECONDS = 0
    path = tmp_path / "value.txt"
    loads = []

    def load():
        loads.append(1)
        return path.read_text() if path.exists() else None

    value = FileCached(lambda: path, load)
    assert value() is None and value() is None  # missing: loaded once, not on every call
    rewrite(path, "one")
    assert value() == "one" and value() == "one"
    rewrite(path, "two")
    assert value() == "two"
    path.unlink()  # a file that disappears keeps the copy loaded
    assert value() == "two"
    assert len(loads) == 3


def test_a_reloaded_file_asks_for_the_frozen_generation_to_be_rebuilt(settings, tmp_path, monkeypatch):
    settings.SEARCH_QUERY_SETTINGS_CHECK_SECONDS = 0
    asked = []
    monkeypatch.setattr(file_cached, "refreeze_after_response", lambda: asked.append(1))
    path = tmp_path / "value.txt"
    rewrite(path, "one")
    value = FileCached(lambda: path, path.read_text)
    assert value() == "one" and asked == []  # the first load: warm-up freezes it
    rewrite(path, "a rebuilt file")
    assert value() == "a rebuilt file" and asked == [1]


def test_changes_are_looked_for_at_most_every_check_interval(settings, tmp_path):
    settings.SEARCH_QUERY_SETTINGS_CHECK_SECONDS = 3600
    path = tmp_path / "value.txt"
    rewrite(path, "one")
    value = FileCached(lambda: path, path.read_text)
    assert value() == "one"
    rewrite(path, "two")
    assert value() == "one"  # not looked at again within the hour
    value.cache_clear()
    assert value() == "two"


def test_a_derived_value_follows_its_source():
    sources = [["a"], ["a"]]
    current = {"source": sources[0]}
    derived = Derived(lambda: current["source"], lambda source: [*source, "derived"])
    first = derived()
    assert derived() is first  # the same source object: not derived again
    current["source"] = sources[1]  # an equal but reloaded source
    assert derived() is not first and derived() == ["a", "derived"]


@pytest.mark.django_db
def test_a_vocabulary_rebuilt_elsewhere_reaches_the_analyzer_without_a_restart(saved_vocabulary, settings):
    settings.SEARCH_QUERY_SETTINGS_CHECK_SECONDS = 0
    assert analyze("acme speaker").filters.brands == ()
    # another process (build_query_vocabulary) saves a vocabulary that knows the brand
    replace(
        saved_vocabulary,
        brands={**saved_vocabulary.brands, "acme": "Acme"},
        brand_precision={**saved_vocabulary.brand_precision, "acme": 1.0},
    ).save(vocabulary_path())
    assert analyze("acme speaker").filters.brands == ("Acme",)
