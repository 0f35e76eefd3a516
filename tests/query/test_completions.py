"""Query completions: the searches a typed prefix can become, counted in the catalog's titles."""

from dataclasses import replace

import pytest

from searchapp.query.completions import QueryCompleter

# Ten titles, numbered: which words each holds.
TITLES = [
    "logitech wireless mouse black",
    "hp wireless mouse black",
    "dell wireless mouse",
    "hp wireless keyboard black",
    "hp 305a toner cartridge black",
    "hp 410a toner cartridge cyan",
    "brother tn-2110 toner black",
    "microsoft xbox wireless controller",
    "hp usb mouse black",
    "netgear wireless router",
]


@pytest.fixture
def completer(vocabulary):
    postings: dict[str, list[int]] = {}
    for row, title in enumerate(TITLES):
        for word in set(title.split()):
            postings.setdefault(word, []).append(row)
    postings["wireless+bluetooth"] = [0]
    postings["s"] = [0, 1, 2]
    return QueryCompleter(
        replace(
            vocabulary,
            title_postings=postings,
            bigrams={
                "wireless mouse": 3,
                "wireless black": 1,
                "wireless keyboard": 1,
                "wireless router": 1,
                "wireless controller": 1,
            },
            queries={},
        )
    )


def texts(completions):
    return [c.text for c in completions]


def test_the_last_word_is_completed_by_the_words_titles_hold_beside_the_others(completer):
    completions = completer.complete("wireless mo", 5)
    assert [(c.text, c.count) for c in completions] == [("wireless mouse", 3)]
    # in any order, which title prefixes cannot do
    assert texts(completer.complete("toner h", 5)) == ["toner hp"]
    assert completer.complete("toner hp", 5)[0].count == 2
    assert texts(completer.complete("xbox contr", 5)) == ["xbox controller"]
    # model numbers complete too
    assert texts(completer.complete("toner tn", 5)) == ["toner tn-2110"]


def test_nothing_is_offered_for_words_no_title_holds_together(completer):
    assert completer.complete("router mo", 5) == []
    assert completer.complete("zzz mo", 5) == []
    assert completer.complete("wireless zq", 5) == []


def test_a_first_word_completes_by_how_many_titles_hold_it(completer):
    completions = completer.complete("b", 5)
    assert texts(completions) == ["black", "brother"]
    assert [c.count for c in completions] == [6, 1]


def test_after_a_space_the_next_word_is_one_titles_write_next_most_tied_to_the_typed_ones(completer):
    completions = completer.complete("wireless ", 5)
    # "black" and "mouse" each stand beside "wireless" in 3 titles, but "black" is in 6
    # titles in all and "mouse" in 4: "mouse" says more about wireless things
    assert texts(completions) == [
        "wireless mouse", "wireless black", "wireless controller", "wireless keyboard", "wireless router"
    ]  # fmt: skip
    assert [c.count for c in completions] == [3, 3, 1, 1, 1]
    assert texts(completer.complete("wireless ", 2)) == ["wireless mouse", "wireless black"]


def test_joined_tokens_and_single_letters_are_not_offered(completer):
    assert "wireless wireless+bluetooth" not in texts(completer.complete("wireless w", 5))
    assert texts(completer.complete("mouse s", 5)) == []


def test_logged_searches_come_first_even_when_no_title_holds_their_words(completer, vocabulary):
    logged = QueryCompleter(
        replace(
            vocabulary,
            title_postings=completer.postings,
            queries={"wireless mouse pad": 9, "wireless mouse": 4},
        )
    )
    completions = logged.complete("wireless mo", 5)
    assert texts(completions) == ["wireless mouse pad", "wireless mouse"]
    assert [(c.count, c.searches) for c in completions] == [(0, 9), (3, 4)]
    # also when no title holds the typed words together
    logged = QueryCompleter(
        replace(vocabulary, title_postings=completer.postings, queries={"laptops for gaming": 3})
    )
    assert texts(logged.complete("laptops for g", 5)) == ["laptops for gaming"]


def test_an_empty_prefix_completes_nothing(completer):
    assert completer.complete("  ", 5) == []


def test_a_slip_in_the_word_being_typed_reads_as_the_title_word_it_nearly_starts(completer):
    assert completer.slip_corrected("wireless mosue") == "wireless mouse"
    assert completer.slip_corrected("xbox contorl") == "xbox controller"
    assert completer.slip_corrected("hp blsck") == "hp black"
    # nothing to read otherwise: a word some title starts with, a start too short to tell,
    # a finished word, or nothing one edit away
    assert completer.slip_corrected("hp blac") is None
    assert completer.slip_corrected("hp mos") is None
    assert completer.slip_corrected("mosue ") is None
    assert completer.slip_corrected("hp zzzzz") is None
