"""Transcripts cut into sentence-aligned, overlapping, bounded passages."""

import itertools
import re

import pytest

from indexing.passages import MAX_WORDS, OVERLAP_WORDS, split_passages

TRANSCRIPT = " ".join(
    f"In part {i} the host checks how feature number {i} of the speaker holds up outdoors." for i in range(20)
)


def test_passages_are_whole_sentences_within_the_word_limit():
    passages = split_passages(TRANSCRIPT, limit=100)

    assert len(passages) > 3
    for passage in passages:
        assert len(passage.split()) <= MAX_WORDS
        assert passage.endswith("outdoors.")
    # Every sentence appears whole in some passage, in order.
    sentences = re.split(r"(?<=\.) ", TRANSCRIPT)
    assert [s for s in sentences if any(s in p for p in passages)] == sentences


def test_consecutive_passages_overlap_by_a_few_words():
    passages = split_passages(TRANSCRIPT, limit=100)

    for previous, passage in itertools.pairwise(passages):
        tail = previous.split()[-OVERLAP_WORDS:]
        assert passage.split()[:OVERLAP_WORDS] == tail


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_at_most_limit_passages_are_kept_from_the_start(limit):
    passages = split_passages(TRANSCRIPT, limit=limit)

    assert len(passages) == limit
    assert passages == split_passages(TRANSCRIPT, limit=100)[:limit]


def test_the_limit_defaults_to_the_setting(settings):
    settings.PASSAGES_MAX_PER_DOC = 2

    assert len(split_passages(TRANSCRIPT)) == 2


def test_a_sentence_longer_than_a_window_is_cut_and_short_text_is_one_passage():
    run_on = " ".join(f"w{i}" for i in range(MAX_WORDS * 2 + 5))

    assert [len(p.split()) for p in split_passages(run_on, limit=10)] == [
        MAX_WORDS,
        MAX_WORDS,
        OVERLAP_WORDS + 5,
    ]
    assert split_passages("Short one. Another!", limit=4) == ["Short one. Another!"]
    assert split_passages("   ", limit=4) == []
