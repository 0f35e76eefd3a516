import pytest
from django.core.exceptions import ValidationError

from searchapp.models import Synonym
from searchapp.query.synonyms import SynonymTable, get_synonym_table, parse_rule


def test_two_way_rules_expand_every_phrase_to_the_others():
    table = SynonymTable(parse_rule("tv, television", weight=0.8))
    assert [(a.text, a.weight) for a in table.expand(["tv", "stand"])] == [("television stand", 0.8)]
    assert [a.text for a in table.expand(["television"])] == ["tv"]


def test_one_way_rules_expand_only_from_the_left():
    table = SynonymTable(parse_rule("laptop => notebook"))
    assert [a.text for a in table.expand(["laptop", "bag"])] == ["notebook bag"]
    assert table.expand(["notebook"]) == []


def test_multi_word_phrases_match_whole():
    table = SynonymTable(parse_rule("usb stick, flash drive"))
    assert [a.text for a in table.expand(["usb", "stick", "64gb"])] == ["flash drive 64gb"]
    assert table.expand(["usb", "cable"]) == []


def test_plurals_match_a_rule_written_in_the_singular_and_the_other_way_round():
    table = SynonymTable(parse_rule("laptop => notebook"))
    assert [(a.text, a.source) for a in table.expand(["gaming", "laptops"])] == [
        ("gaming notebook", "laptop")
    ]
    two_way = SynonymTable(parse_rule("flash drives, usb sticks"))
    assert [a.text for a in two_way.expand(["usb", "stick"])] == ["flash drives"]


def test_rules_are_normalised_like_queries():
    table = SynonymTable(parse_rule("Wi-Fi,  WLAN "))
    assert [a.text for a in table.expand(["wlan", "router"])] == ["wi-fi router"]


@pytest.mark.parametrize("rule", ["tv", "a => b => c", "=> notebook", "laptop =>", ", ,"])
def test_malformed_rules_are_rejected_with_a_message(rule):
    with pytest.raises(ValueError):
        parse_rule(rule)


@pytest.mark.django_db
def test_the_model_validates_its_rule():
    with pytest.raises(ValidationError) as raised:
        Synonym(rule="just one phrase").full_clean()
    assert "rule" in raised.value.message_dict


@pytest.mark.django_db
def test_disabled_rules_and_other_locales_do_not_expand(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Synonym.objects.all().delete()
        Synonym.objects.create(rule="sofa, couch", enabled=False)
        Synonym.objects.create(rule="tv, fernseher", locale="de")
    assert get_synonym_table("en").expand(["sofa"]) == []
    assert [a.text for a in get_synonym_table("de").expand(["tv"])] == ["fernseher"]


@pytest.mark.django_db
def test_a_synonym_added_in_the_admin_applies_to_the_next_query(
    admin_client, django_capture_on_commit_callbacks
):
    assert get_synonym_table().expand(["tws"]) == []  # the table is now loaded and cached
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/searchapp/synonym/add/",
            {"rule": "tws, true wireless earbuds", "locale": "en", "weight": "0.9", "enabled": "on"},
        )
    assert response.status_code == 302, response.content
    assert [(a.text, a.weight) for a in get_synonym_table().expand(["tws"])] == [
        ("true wireless earbuds", 0.9)
    ]

    synonym = Synonym.objects.get(rule="tws, true wireless earbuds")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/searchapp/synonym/{synonym.pk}/delete/", {"post": "yes"})
    assert get_synonym_table().expand(["tws"]) == []


@pytest.mark.django_db
def test_the_generic_seed_synonyms_are_installed_but_start_disabled():
    # the seed rules are there for merchandisers to enable, and expand nothing until then
    assert Synonym.objects.filter(rule="tv, television", enabled=False).exists()
    assert get_synonym_table().expand(["tv"]) == []


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_at_the_next_version_check(settings):
    from django.core.cache import cache

    from searchapp.query.synonyms import synonym_tables

    settings.SEARCH_QUERY_SETTINGS_CHECK_SECONDS = 0
    assert get_synonym_table().expand(["tws"]) == []
    # Another process saves a rule (its commit hook never runs here) and bumps the version.
    Synonym.objects.create(rule="tws, true wireless earbuds")
    assert get_synonym_table().expand(["tws"]) == []  # same version: the cached table stands
    cache.set(synonym_tables.key, "bumped-by-another-process", timeout=None)
    assert [a.text for a in get_synonym_table().expand(["tws"])] == ["true wireless earbuds"]
