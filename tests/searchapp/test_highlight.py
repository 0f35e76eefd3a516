"""Query-term highlighting: escaped first, stem- and prefix-aware, case-insensitive."""

from searchapp.highlight import Highlighter, light_stem


def test_text_is_escaped_and_matching_words_marked():
    marked = Highlighter("tom").mark("<b>Tom & Jerry</b>")
    assert marked == "&lt;b&gt;<em>Tom</em> &amp; Jerry&lt;/b&gt;"


def test_a_query_term_never_lands_inside_an_html_entity():
    # given a query for "amp" and text whose escaped form contains "&amp;"
    marked = Highlighter("amp lt").mark("Guitar amp & <cable>")
    # then only the real word is marked
    assert marked == "Guitar <em>amp</em> &amp; &lt;cable&gt;"


def test_plural_and_singular_match_each_other():
    assert Highlighter("printers").mark("Printer and printers") == "<em>Printer</em> and <em>printers</em>"
    assert Highlighter("battery").mark("spare batteries") == "spare <em>batteries</em>"


def test_a_partial_last_word_matches_as_a_prefix():
    assert Highlighter("print").mark("Printing paper") == "<em>Printing</em> paper"


def test_short_terms_match_whole_words_only():
    assert Highlighter("tv").mark("TV stand for tvs and tvx") == "<em>TV</em> stand for <em>tvs</em> and tvx"


def test_stopwords_are_not_marked_unless_the_query_has_nothing_else():
    assert Highlighter("case for phone").mark("a case for a phone") == "a <em>case</em> for a <em>phone</em>"
    assert Highlighter("the").mark("the end") == "<em>the</em> end"


def test_snippet_is_a_window_around_the_densest_matches():
    # given a long description whose only mention of the query is far from the start
    text = "filler words " * 40 + "a wireless speaker with deep bass " + "more filler " * 40
    snippet = Highlighter("wireless speaker", max_snippet_chars=80).snippet(text)
    # then the snippet is cut around the match, with ellipses on both sides
    assert "<em>wireless</em> <em>speaker</em>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 80 + 2 + len("<em></em>") * 2


def test_snippet_without_a_match_is_the_start_of_the_text():
    text = "word " * 100
    snippet = Highlighter("absent", max_snippet_chars=50).snippet(text)
    assert snippet.startswith("word word") and snippet.endswith("…")


def test_light_stem():
    assert [light_stem(w) for w in ["Cables", "charging", "glass", "batteries", "bus", "TVs"]] == [
        "cable",
        "charg",
        "glass",
        "battery",
        "bus",
        "tv",
    ]


def test_words_after_a_letter_that_folds_into_two_are_marked_in_place():
    # "ß" casefolds to "ss": offsets in the folded text run one ahead of the original's
    assert Highlighter("kabel strasse").mark("Maße: Kabel & Straße") == (
        "Maße: <em>Kabel</em> &amp; <em>Straße</em>"
    )
