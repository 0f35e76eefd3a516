from dataclasses import replace

import pytest

from searchapp.query.spelling import SpellingCorrector
from searchapp.query.vocabulary import common_english_words


@pytest.fixture
def corrector(vocabulary):
    return SpellingCorrector(vocabulary)


def correct(corrector, query):
    return corrector.correct(query.split())


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("wireles mouse", "wireless mouse"),  # known to the catalog once: rare, but unknown-ish
        ("wirless mouse", "wireless mouse"),
        ("xbox contoller", "xbox controller"),
        ("bluetoth speaker", "bluetooth speaker"),
        ("hdmi cabel", "hdmi cable"),
    ],
)
def test_misspelled_words_are_corrected_to_catalog_words(corrector, typed, corrected):
    result = correct(corrector, typed)
    assert result.did_you_mean == corrected


def test_an_unknown_word_is_corrected_and_the_correction_is_applied(corrector):
    result = correct(corrector, "xbox contoller")
    assert result.corrected == "xbox controller"
    assert result.tokens == ("xbox", "controller")
    assert result.corrections == (("contoller", "controller"),)


def test_a_rare_catalog_word_is_only_suggested_and_its_suggestion_searched_beside_it(corrector):
    # "wireles" occurs once in the catalog: it may be meant, so it is searched as typed, and
    # as the far more frequent word it most likely mistypes (a catalog's own typo, often).
    result = correct(corrector, "wireles mouse")
    assert result.corrected is None
    assert result.tokens == ("wireles", "mouse")
    assert result.did_you_mean == "wireless mouse"
    assert result.runner_ups == ((0, "wireless"),)


@pytest.mark.parametrize(
    "query",
    [
        "sony wh-1000xm4",
        "tn-2110 toner",
        "006r90321",
        "jbl speaker",
        "startech hub",
        "the boys",
        "netflix",
        "tv",
    ],
)
def test_brands_model_numbers_known_and_common_words_are_never_corrected(corrector, query):
    result = correct(corrector, query)
    assert result.corrected is None and result.did_you_mean is None


def test_split_words_are_joined_when_the_catalog_writes_them_joined(corrector):
    assert correct(corrector, "head set").corrected == "headset"
    assert correct(corrector, "blue tooth speaker").corrected == "bluetooth speaker"


def test_words_the_catalog_writes_apart_stay_apart(corrector):
    assert correct(corrector, "usb hub").corrected is None


def test_split_words_are_not_joined_into_a_word_no_title_writes(vocabulary):
    # "usbc" is a word for the usb_c feature, but titles write "USB-C": the index holds "usb"
    # and "c", and a search for "usbc" finds nothing by it.
    terms = {**vocabulary.terms, "usbc": 211}
    assert correct(SpellingCorrector(replace(vocabulary, terms=terms)), "usb c hub").corrected is None
    postings = {**vocabulary.title_postings, "usbc": [7]}
    joined = SpellingCorrector(replace(vocabulary, terms=terms, title_postings=postings))
    assert correct(joined, "usb c hub").corrected == "usbc hub"


def test_run_together_words_are_split(corrector):
    assert correct(corrector, "wirelessmouse").corrected == "wireless mouse"


def test_the_neighbouring_word_picks_between_equally_close_corrections(corrector):
    # "and" is one edit away and far more frequent, but titles say "laptop stand".
    assert correct(corrector, "laptop tand").corrected == "laptop stand"


def test_a_two_edit_correction_changes_the_first_letter_only_for_a_far_more_frequent_word(vocabulary):
    # "amezra" is two edits from "camera" and from "ameba", which keeps the first letter
    def corrected(camera: int, ameba: int) -> str | None:
        terms = {**vocabulary.terms, "camera": camera, "ameba": ameba}
        return correct(SpellingCorrector(replace(vocabulary, terms=terms)), "amezra").corrected

    assert corrected(camera=500, ameba=4) == "camera"
    assert corrected(camera=500, ameba=200) == "ameba"  # not five times as frequent


def test_a_rare_word_is_corrected_when_no_candidate_keeps_the_first_letter(vocabulary):
    # "icrwave" is two edits from "microwave" and from nothing starting with "i": the first
    # letter is where the typo is, however rare the word (an English word the catalog lacks).
    corrector = SpellingCorrector(replace(vocabulary, common_words=[*vocabulary.common_words, "microwave"]))
    assert correct(corrector, "icrwave").corrected == "microwave"


def test_equally_likely_english_words_go_to_the_more_frequent_one(vocabulary):
    # "micrave" is two edits from both; the catalog has neither, so English usage decides.
    def corrected(*common_words: str) -> str | None:
        corrector = SpellingCorrector(replace(vocabulary, common_words=list(common_words)))
        return correct(corrector, "micrave").corrected

    assert corrected("microwave", "macrame") == "microwave"
    assert corrected("macrame", "microwave") == "macrame"
    english = common_english_words()
    assert english.index("the") < english.index("microwave") < english.index("macrame")


def test_foreign_scripts_and_huge_tokens_pass_through(corrector):
    assert correct(corrector, "наушники sony").corrected is None
    assert correct(corrector, "x" * 500).corrected is None


@pytest.mark.django_db
def test_the_vocabulary_is_built_from_the_catalog_and_loads_back(tmp_path):
    from searchapp.query.vocabulary import Vocabulary, build_vocabulary
    from tests.catalog.factories import SMALL_CATALOG, load_rows

    load_rows(SMALL_CATALOG)
    vocabulary = build_vocabulary(
        query_log=[("Noise cancelling headphones", 5), ("noise  cancelling headphones", 2)]
    )
    assert vocabulary.terms["headphones"] > vocabulary.terms["cyan"] > 0
    assert "1000xm4" not in vocabulary.terms  # tokens with digits are never corrected to
    assert vocabulary.terms["cancelling"] >= 7  # the query log counts
    assert vocabulary.queries == {"noise cancelling headphones": 7}  # normalised, so merged
    assert vocabulary.brands["startech"] == "StarTech.com"
    assert vocabulary.bigrams["hdmi cable"] == 2
    # the products whose titles hold a word, digits and the parts of joined words included
    toner, cable = vocabulary.title_postings["toner"], vocabulary.title_postings["cable"]
    assert len(toner) == len(cable) == 2 and not set(toner) & set(cable)
    assert vocabulary.title_postings["wh-1000xm4"] == vocabulary.title_postings["1000xm4"]
    assert vocabulary.model_brands["wh-1000xm4"] == ["Sony"] and vocabulary.model_brands["305a"] == ["HP"]
    assert "45" not in vocabulary.model_brands and "2m" not in vocabulary.model_brands  # no letter; a size
    assert "audio/headphones-headsets" in vocabulary.category_paths.values()
    # the kinds each brand sells, whether a query may be asking for its products
    assert vocabulary.brand_kinds["Sony"] == ["audio/headphones-headsets"]
    assert vocabulary.brand_kinds["C2G"] == vocabulary.brand_kinds["StarTech.com"] == ["cables/hdmi-cables"]

    vocabulary.save(tmp_path / "vocabulary.json")
    loaded = Vocabulary.load(tmp_path / "vocabulary.json")
    assert loaded == vocabulary
    assert SpellingCorrector(loaded).correct(["hdmi", "cabel"]).corrected == "hdmi cable"


@pytest.fixture
def real_word_corrector(vocabulary):
    # "hone" and "leash" are English words this catalog never uses; titles use "phone" (30
    # title pairs) more than "home" (21), and "least" not at all.
    return SpellingCorrector(
        replace(
            vocabulary,
            terms={**vocabulary.terms, "phone": 315, "home": 2709, "least": 400, "case": 1900, "theater": 90},
            bigrams={**vocabulary.bigrams, "phone case": 30, "home theater": 21},
            common_words=[*vocabulary.common_words, "hone", "leash", "least", "home"],
        )
    )


def test_an_english_word_the_catalog_lacks_is_corrected_to_a_frequent_title_word(real_word_corrector):
    result = correct(real_word_corrector, "hone charger")
    assert result.corrected == "phone charger"
    assert result.corrections == (("hone", "phone"),)


def test_an_english_word_is_not_corrected_to_a_word_titles_do_not_use(real_word_corrector):
    # "least" is one edit away and frequent in descriptions, but no title uses it.
    result = correct(real_word_corrector, "dog leash")
    assert result.corrected is None and result.did_you_mean is None


@pytest.fixture
def short_word_corrector(vocabulary):
    # "case" and "cat" are both one edit from "cas"; only "case" follows "laptop" in titles.
    return SpellingCorrector(
        replace(
            vocabulary,
            terms={**vocabulary.terms, "case": 1900, "cat": 1400},
            bigrams={**vocabulary.bigrams, "laptop case": 8, "cat cable": 40},
        )
    )


def test_a_short_unknown_word_is_corrected_where_its_neighbour_makes_a_title_phrase(short_word_corrector):
    result = correct(short_word_corrector, "laptop cas")
    assert result.corrected == "laptop case"
    assert result.corrections == (("cas", "case"),)


@pytest.mark.parametrize("query", ["cas", "mouse cas", "laptop ssd"])
def test_a_short_word_stays_without_a_phrase_to_support_a_correction(short_word_corrector, query):
    # Alone, or next to a word no candidate forms a title phrase with, or known: as typed.
    result = correct(short_word_corrector, query)
    assert result.corrected is None and result.did_you_mean is None


def pad_corrector(vocabulary, queries):
    # The catalog says "pad" far more often than "ipad"; "bed" is a catalog word too.
    terms = {**vocabulary.terms, "pad": 900, "ipad": 45, "dell": 1000, "del": 1, "bed": 50}
    return SpellingCorrector(
        replace(vocabulary, terms=terms, brands={**vocabulary.brands, "dell": "DELL"}, queries=queries)
    )


@pytest.fixture
def logged_corrector(vocabulary):
    return pad_corrector(vocabulary, {"ipad": 40, "dell laptop": 25, "pad": 2, "red mouse": 30})


def test_without_a_query_log_the_catalogs_more_frequent_word_wins(vocabulary):
    assert correct(pad_corrector(vocabulary, {}), "mpad").corrected == "pad"


def test_a_query_is_corrected_to_a_far_more_searched_logged_query(logged_corrector):
    result = correct(logged_corrector, "mpad")
    assert result.corrected == "ipad"
    assert result.corrections == (("mpad", "ipad"),)
    # A word the catalog barely knows, in a query shoppers search as "dell laptop".
    assert correct(logged_corrector, "del laptop").corrected == "dell laptop"


def test_logged_queries_never_replace_words_the_catalog_knows(logged_corrector):
    # "pad" is a catalog word: it may be meant, however often shoppers search "ipad".
    assert correct(logged_corrector, "pad").corrected is None
    # "red mouse" is logged and two edits away, but "bed" is a catalog word: only the typo goes.
    assert correct(logged_corrector, "bed mousr").corrected == "bed mouse"


def test_the_next_best_corrections_of_an_unknown_word_are_kept_as_runner_ups(vocabulary):
    # "ybox" is one edit from "box", "xbox" and "bbox"; frequency picks "box", the others stay
    terms = {**vocabulary.terms, "box": 2000, "bbox": 8, "xbox": 60}
    corrector = SpellingCorrector(replace(vocabulary, terms=terms))
    result = correct(corrector, "wireless ybox")
    assert result.tokens == ("wireless", "box")
    assert result.runner_ups == ((1, "xbox"), (1, "bbox"))
    # a known word, a brand and a model number have none
    assert correct(corrector, "sony xbox tn2110").runner_ups == ()


def test_a_word_the_first_letter_odds_hold_back_is_searched_as_a_runner_up(vocabulary):
    # "siphne" is two edits from "sine" and from "iphone", which changes the first letter and
    # is not five times as frequent: "sine" replaces it, "iphone" is still searched beside it.
    corrector = SpellingCorrector(replace(vocabulary, terms={**vocabulary.terms, "sine": 169}))
    result = correct(corrector, "siphne")
    assert result.tokens == ("sine",)
    assert result.runner_ups == ((0, "iphone"),)


def test_a_short_unknown_word_stays_as_typed_with_its_likeliest_words_as_runner_ups(vocabulary):
    terms = {**vocabulary.terms, "desk": 500, "disk": 300, "dusk": 5}
    corrector = SpellingCorrector(replace(vocabulary, terms=terms))
    result = correct(corrector, "red dsk")
    assert result.corrected is None and result.tokens == ("red", "dsk")
    assert result.runner_ups == ((1, "desk"), (1, "disk"))
    # known three-letter words and brands guess nothing
    assert correct(corrector, "red jbl ssd").runner_ups == ()


def test_a_short_word_with_nothing_one_edit_away_searches_words_two_edits_away(vocabulary):
    terms = {**vocabulary.terms, "coffee": 40}
    corrector = SpellingCorrector(replace(vocabulary, terms=terms))
    result = correct(corrector, "cfee")
    assert result.corrected is None and result.runner_ups == ((0, "coffee"),)
    # a longer word is corrected, as before
    assert correct(corrector, "cofeee").corrected == "coffee"


def test_runner_ups_point_at_the_word_after_a_split_one(vocabulary):
    terms = {**vocabulary.terms, "box": 2000, "xbox": 60}
    corrector = SpellingCorrector(replace(vocabulary, terms=terms))
    result = correct(corrector, "wirelessmouse ybox")
    assert result.tokens == ("wireless", "mouse", "box")
    assert result.runner_ups == ((2, "xbox"),)


def test_a_logged_query_must_dominate_what_was_typed(vocabulary):
    # "mpad" searched an eighth as often as "ipad": a spelling shoppers use, not a slip.
    assert correct(pad_corrector(vocabulary, {"ipad": 40, "mpad": 5}), "mpad").corrected == "pad"


@pytest.fixture
def player_corrector(vocabulary):
    # "layee" is one edit from "layer" and two from "player", which titles put after "dvd".
    terms = {**vocabulary.terms, "dvd": 900, "layer": 34, "player": 527, "external": 554, "internal": 651}
    bigrams = {**vocabulary.bigrams, "dvd player": 21, "internal dvd": 1}
    return SpellingCorrector(replace(vocabulary, terms=terms, bigrams=bigrams))


def test_a_title_phrase_two_edits_away_outweighs_a_closer_word(player_corrector):
    result = correct(player_corrector, "dvd layee")
    assert result.corrected == "dvd player"
    assert (1, "layer") in result.runner_ups  # the closer word is still searched
    # without the phrase, the closer word wins
    assert correct(player_corrector, "red layee").corrected == "red layer"


def test_a_phrase_two_edits_away_needs_a_far_more_frequent_word(player_corrector):
    # "internal dvd" is a title phrase, but "internal" is hardly more frequent than the
    # closer "external": the extra edit is not worth it.
    assert correct(player_corrector, "xternal dvd").corrected == "external dvd"


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        # "pinter" (one edit) is an English word no product's text uses; "printer" (two) is a
        # product word far more frequent, as long as what was typed: the shopper meant it.
        ("pinrter", "printer"),
        # "microwave" is an English word product descriptions use (3 times): it stays, though
        # "microsaver", two edits away, is far more frequent.
        ("microgave", "microwave"),
        # Short words get one edit only: "batts" stays the English word one edit away.
        ("batts", "bats"),
    ],
)
def test_alone_an_english_word_no_product_uses_yields_to_a_far_likelier_product_word(
    vocabulary, typed, corrected
):
    corrector = SpellingCorrector(
        replace(
            vocabulary,
            terms={**vocabulary.terms, "printer": 3377, "microsaver": 74, "microwave": 3, "batteries": 125},
            common_words=[*vocabulary.common_words, "microwave", "pinter", "bats"],
        )
    )
    assert correct(corrector, typed).corrected == corrected


@pytest.fixture
def card_vocabulary(vocabulary):
    # "coid" is one edit from "cord" and two from "card"; titles hold "sd" with "card" only.
    terms = {**vocabulary.terms, "sd": 700, "card": 2019, "cord": 1509}
    postings = {"sd": [1, 2, 3, 4, 9], "card": [1, 2, 3, 4, 5, 6], "cord": [7, 8], "red": [5, 7, 8, 9]}
    return replace(vocabulary, terms=terms, title_postings=postings)


def test_a_word_two_edits_away_that_titles_hold_with_the_neighbour_beats_one_they_never_do(card_vocabulary):
    corrector = SpellingCorrector(card_vocabulary)
    result = correct(corrector, "sd coid")
    assert result.corrected == "sd card"
    assert (1, "cord") in result.runner_ups  # the closer word is still searched
    # "red" is in titles with "cord" (and in only one with "card"): the closer word stays
    assert correct(corrector, "red coid").corrected == "red cord"


def test_a_title_phrase_keeps_the_closer_word_whatever_titles_hold(card_vocabulary):
    bigrams = {**card_vocabulary.bigrams, "sd cord": 3}
    corrector = SpellingCorrector(replace(card_vocabulary, bigrams=bigrams))
    assert correct(corrector, "sd coid").corrected == "sd cord"


def test_an_english_word_two_edits_from_a_title_phrase_is_corrected_to_it(vocabulary):
    corrector = SpellingCorrector(
        replace(
            vocabulary,
            terms={**vocabulary.terms, "extension": 300, "cord": 1509},
            bigrams={**vocabulary.bigrams, "extension cord": 25},
            common_words=[*vocabulary.common_words, "cods"],
        )
    )
    assert correct(corrector, "extension cods").corrected == "extension cord"
    assert correct(corrector, "red cods").corrected is None


def test_a_known_word_its_neighbour_never_stands_beside_searches_the_title_phrase_beside_it(vocabulary):
    # "sand" is a catalog word, but titles never say "laptop sand"; they say "laptop stand".
    terms = {**vocabulary.terms, "sand": 23, "stands": 40}
    corrector = SpellingCorrector(replace(vocabulary, terms=terms))
    result = correct(corrector, "laptop sand")
    assert result.tokens == ("laptop", "sand")  # a real word may be meant: it stays
    assert result.runner_ups == ((1, "stand"),)
    # A plural is no typo, and a phrase titles use raises no doubt.
    assert correct(corrector, "laptop stands").runner_ups == ()
    assert correct(corrector, "laptop stand").runner_ups == ()


def test_an_english_word_the_catalog_does_not_use_searches_frequent_catalog_words_beside_it(vocabulary):
    # "appel" is an English word no product uses; "apple" is one edit away and frequent.
    terms = {**vocabulary.terms, "apple": 168, "appeal": 3, "dell": 1060}
    corrector = SpellingCorrector(
        replace(vocabulary, terms=terms, common_words=[*vocabulary.common_words, "appel", "del"])
    )
    result = correct(corrector, "appel")
    assert result.tokens == ("appel",)  # it may be meant: it stays
    assert result.runner_ups == ((0, "apple"),)  # "appeal" is too rare to guess at
    assert correct(corrector, "del laptop").runner_ups == ((0, "dell"),)
    # A word the catalog uses is searched as typed, with no guess beside it.
    assert correct(corrector, "dell laptop").runner_ups == ()


def test_a_word_typed_in_another_script_is_read_in_latin_letters_when_the_catalog_knows_it(corrector):
    # A shopper on a Cyrillic keyboard types the loanword "тонер": the catalog says "toner".
    result = correct(corrector, "тонер cartridge")
    assert result.tokens == ("toner", "cartridge")
    assert result.corrected == "toner cartridge" and result.did_you_mean == "toner cartridge"
    assert result.corrections == (("тонер", "toner"),)
    # Greek and Cyrillic letters mixed with Latin ones fold too.
    assert correct(corrector, "τoner").tokens == ("toner",)


@pytest.mark.parametrize("query", ["колонка", "中文", "mouse"])
def test_a_word_whose_latin_spelling_the_catalog_does_not_know_stays_as_typed(corrector, query):
    result = correct(corrector, query)
    assert result.tokens == (query,) and result.corrected is None and result.corrections == ()


def test_two_letter_words_are_never_guessed(vocabulary):
    # "ipd" is one edit from "ip", "ipod" and "ipad": "ip" is the most frequent, but two
    # letters are one edit from too much to be worth searching.
    corrector = SpellingCorrector(
        replace(vocabulary, terms={**vocabulary.terms, "ip": 900, "ipod": 12, "ipad": 8})
    )
    assert correct(corrector, "ipd").runner_ups == ((0, "ipod"), (0, "ipad"))


@pytest.fixture
def titled_vocabulary(vocabulary):
    """`vocabulary` with the titles query completions count: products 0-2 are bluetooth
    speakers, 3 a wired one, 4-5 kitchen appliances, 6 an Apple charger."""
    postings = {
        "bluetooth": [0, 1, 2], "speaker": [0, 1, 3], "speakers": [2], "spear": [3], "wired": [3],
        "appliance": [4, 5], "kitchen": [4, 5], "apple": [6], "charger": [6],
    }  # fmt: skip
    terms = {**vocabulary.terms, "appliance": 52, "apple": 168, "kitchen": 80, "spear": 5, "wired": 50}
    return replace(vocabulary, title_postings=postings, terms=terms)


def test_an_unfinished_last_word_is_finished_as_the_catalog_most_often_finishes_it(titled_vocabulary):
    corrector = SpellingCorrector(titled_vocabulary)
    # "spea" is no word: the shopper pressed enter mid-word. Of the title words starting with
    # it beside "bluetooth", the catalog uses "speakers" most (400 against 300)
    result = correct(corrector, "bluetooth spea")
    assert result.corrected == "bluetooth speakers"
    assert result.corrections == (("spea", "speakers"),)
    # "appl" starts more titles as "appliance", but the catalog uses "apple" more
    assert correct(corrector, "appl").corrected == "apple"
    # beside "kitchen", only "appliance" stands in the same titles
    assert correct(corrector, "kitchen appl").corrected == "kitchen appliance"


def test_only_the_last_word_is_read_as_unfinished(titled_vocabulary):
    corrector = SpellingCorrector(titled_vocabulary)
    # a word before others was finished: it is corrected as a typo (one edit from "spear"),
    # not completed
    assert correct(corrector, "spea bluetooth").tokens == ("spear", "bluetooth")
    # a misspelt last word no title word starts with is corrected as before
    assert correct(corrector, "hdmi cabel").corrected == "hdmi cable"
    # and a known last word is never completed, however often a longer word starts with it
    assert correct(corrector, "wireless mouse").corrected is None


def test_a_number_typed_against_a_known_word_is_parted_from_it(vocabulary):
    # titles write "GeForce RTX 2060" and "PS4": the word and the number apart, the model joined
    postings = {"rtx": [0], "2060": [0], "ps4": [1], "7": [2]}
    terms = {**vocabulary.terms, "rtx": 40}
    corrector = SpellingCorrector(replace(vocabulary, title_postings=postings, terms=terms))
    result = correct(corrector, "rtx2060 laptop")
    assert result.tokens == ("rtx", "2060", "laptop")
    assert result.corrected == "rtx 2060 laptop" and result.corrections == (("rtx2060", "rtx 2060"),)
    # a model number titles write joined stays whole, and so does a number no title uses
    assert correct(corrector, "ps4").tokens == ("ps4",)
    assert correct(corrector, "rtx3090").tokens == ("rtx3090",)
    # the letters must be a word the catalog knows: "zq7" is no word and a 7
    assert correct(corrector, "zqx7").tokens == ("zqx7",)
