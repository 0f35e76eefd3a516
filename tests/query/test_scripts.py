from searchapp.query.scripts import script_of, written_scripts


def test_letters_are_told_apart_by_script():
    assert [script_of(letter) for letter in "aтτ中한"] == ["LATIN", "CYRILLIC", "GREEK", "CJK", "HANGUL"]


def test_a_script_counts_only_when_it_holds_a_real_share_of_the_catalogs_letters():
    # a few Cyrillic words in an English catalog's descriptions do not make it read Cyrillic
    assert written_scripts({"toner": 10_000, "тонер": 1}) == {"LATIN"}
    # a catalog written in two scripts reads both
    assert written_scripts({"toner": 100, "тонер": 100, "2tb": 5}) == {"LATIN", "CYRILLIC"}
    # nothing to tell from: no verdict
    assert written_scripts({}) is None and written_scripts({"2000": 3}) is None
