"""Sizes and colours a query asks for against those a title, or the attributes the index holds,
state (ranking/sizes.py, stated.py)."""

import numpy as np
import pytest

from ranking.features import QueryFeatures, document_terms, title_tokens
from ranking.sizes import document_sizes, size_distance, size_factor, sizes_in, title_sizes
from ranking.stated import attribute_factor, document_colours, featured_kinds
from searchapp.pipeline import PreRank, SearchContext
from searchapp.query.analyzer import ParsedQuery
from searchapp.query.attributes import Extraction
from searchapp.search_request import SearchRequest

from .conftest import make_hit

TV_40 = 'Samsung LE-40R88BD TV 101.6 cm (40") HD Black'
TV_55 = 'Samsung UE55RU7099UXZG TV 139.7 cm (55") 4K Ultra HD Smart TV Wi-Fi Black'
TV_55_CLASS = 'Samsung Q70T 138.7 cm (54.6") 4K Ultra HD Smart TV Wi-Fi Black'
TV_58 = 'Samsung PS58P96FDX TV 147.3 cm (58") Full HD Black'
TV_UNSIZED = "Samsung Crystal UHD Smart TV"
INCHES_55 = sizes_in(["55in"])


def test_titles_state_sizes_in_one_scale_per_family():
    assert title_sizes(TV_40) == {"length": pytest.approx((101.6, 101.6))}
    # A bare metre after a number is a length in a title; drive makers' 1024 GB is 1 TB.
    assert title_sizes("Canon VC-200 networking cable 1.5 m Black") == {"length": (150.0,)}
    assert title_sizes('HP 1TB SATA 7200 rpm 3.5" 1024 GB')["capacity"] == (1000.0, 1000.0)
    assert title_sizes("HP 65W Smart AC Adapter") == {"power": (65.0,)}
    assert title_sizes(TV_UNSIZED) == {}


def test_a_title_fits_a_size_within_tolerance_or_spanning_it_and_is_otherwise_as_far_as_its_nearest():
    assert size_distance(INCHES_55, title_sizes(TV_55)) == 0
    assert size_distance(INCHES_55, title_sizes(TV_55_CLASS)) == 0  # a "55-inch class" set
    # capacities come in classes 4% apart; a 23" monitor is no 24" one
    assert size_distance(sizes_in(["1tb"]), title_sizes("Lenovo internal solid state drive 960 GB")) == 0
    assert size_distance(sizes_in(["24in"]), title_sizes('AOC monitor 58.4 cm (23")')) > 0
    assert size_distance(INCHES_55, title_sizes(TV_40)) == pytest.approx(15 / 55)
    assert size_distance(INCHES_55, title_sizes(TV_UNSIZED)) is None
    # Sizes of one family that span the size asked for say nothing sure against it.
    assert size_distance(sizes_in(["256gb"]), title_sizes("Laptop 8 GB DDR4 1000 GB HDD")) == 0
    # A family the title does not state is not held against it.
    assert size_distance(sizes_in(["1tb"]), title_sizes(TV_40)) is None


def test_nearer_sizes_are_demoted_less_and_a_fitting_or_unstated_size_not_at_all():
    factors = {
        title: size_factor(INCHES_55, title_sizes(title), 0.5) for title in (TV_55, TV_58, TV_40, TV_UNSIZED)
    }
    assert factors[TV_55] == factors[TV_UNSIZED] == 1.0
    assert 0.5 < factors[TV_58] < 1.0
    assert factors[TV_40] == 0.5


def parsed_with(query: str, *extractions: Extraction) -> ParsedQuery:
    return ParsedQuery(original=query, normalized=query, extractions=tuple(extractions))


def test_a_token_also_read_as_a_brand_asks_for_no_size_or_colour():
    unit = Extraction("unit", "unit", "3m", 0.6, "3m", positions=(0,))
    brand = Extraction("brand", "brand", "3M", 0.15, "3m", positions=(0,))
    colour = Extraction("colour", "colour", "black", 0.7, "black", positions=(0,))
    black_box = Extraction("brand", "brand", "Black Box", 0.9, "black box", positions=(0, 1))

    def understood(query, *extractions):
        features = QueryFeatures.from_parsed(query, parsed_with(query, *extractions))
        return features.sizes, features.colours

    assert understood("3m privacy filter", unit, brand) == ({}, frozenset())
    assert understood("black box cable", colour, black_box) == ({}, frozenset())
    assert understood("cable 3m", unit) == ({"length": (300.0,)}, frozenset())
    assert understood("black cable", colour) == ({}, {"black"})


def test_the_first_stage_puts_the_size_asked_for_first_then_the_nearest():
    # Given "samsung tv 55 inch", where fusion put a 40" TV first
    query = "samsung tv 55in"
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = parsed_with(query, Extraction("unit", "unit", "55in", 0.6, "55in", positions=(2,)))
    titles = [TV_40, TV_55, TV_58, TV_55_CLASS]
    ctx.candidates["product"] = [
        make_hit(pk, title=title, rank=pk) for pk, title in enumerate(titles, start=1)
    ]

    # When the first stage orders them
    PreRank(demotion=0.5, intent=0.6, attribute_demotion=0.5).run(ctx)

    # Then the 55" sets come first, the 58" next and the 40" last
    assert [hit.display["title"] for hit in ctx.candidates["product"]] == [TV_55, TV_55_CLASS, TV_58, TV_40]


def test_a_title_silent_on_a_size_states_its_size_attribute():
    # The index's `size` keyword: the catalog's size attributes (catalog/sizes.py).
    assert document_sizes(TV_UNSIZED, ["42in"]) == sizes_in(["42in"])
    # The title wins a family it states; other families still come from the attributes.
    assert document_sizes(TV_55, ["42in"]) == title_sizes(TV_55)
    assert document_sizes(TV_55, ["2m", "1tb"]) == {**title_sizes(TV_55), **sizes_in(["1tb"])}
    assert document_sizes(TV_UNSIZED, ()) == {}


def test_the_first_stage_demotes_a_tv_whose_attributes_state_another_size():
    # Given "tv 55 inch" where fusion put first a 42" TV whose title states no size
    query = "tv 55in"
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = parsed_with(query, Extraction("unit", "unit", "55in", 0.6, "55in", positions=(1,)))
    sized_by_attribute = make_hit(1, title="Philips widescreen flat TV 42PF5521D/10", rank=1)
    sized_by_attribute.keywords["size"] = ["42in"]
    unsized = make_hit(2, title=TV_UNSIZED, rank=2)
    ctx.candidates["product"] = [sized_by_attribute, unsized, make_hit(3, title=TV_55, rank=3)]

    # When the first stage orders them
    PreRank(demotion=0.5, intent=0.6, attribute_demotion=0.5).run(ctx)

    # Then the 42" set goes last; the set stating no size anywhere is left alone
    assert [hit.id for hit in ctx.candidates["product"]] == [unsized.id, "product:3", sized_by_attribute.id]


RED_MOUSE = "HP Wireless Optical (Red) mouse"
BLACK_MOUSE = "HP mouse Black"
PLAIN_MOUSE = "HP USB Optical 3-button Mouse"


def test_a_product_stating_only_other_colours_is_demoted_one_stating_none_is_not():
    assert document_colours(title_tokens("Philips headset Black,Gray"), ()) == {"black", "grey"}
    red = QueryFeatures("red mouse", colours=frozenset({"red"}))

    def factor(title, indexed=()):
        hit = make_hit(1, title=title)
        if indexed:
            hit.keywords["colour"] = list(indexed)
        return attribute_factor(red, document_terms(hit), 0.5)

    assert factor(RED_MOUSE) == factor(PLAIN_MOUSE) == factor("NGS mouse Black,Red") == 1.0
    assert factor(BLACK_MOUSE) == 0.5
    # The colours the index holds (the catalog's colour attributes) count as the title's do.
    assert factor(PLAIN_MOUSE, indexed=("black",)) == 0.5
    assert factor(PLAIN_MOUSE, indexed=("black", "red")) == 1.0


def test_the_first_stage_puts_the_colour_asked_for_before_other_colours():
    query = "red mouse"
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = parsed_with(query, Extraction("colour", "colour", "red", 0.7, "red", positions=(0,)))
    titles = [BLACK_MOUSE, PLAIN_MOUSE, RED_MOUSE]
    ctx.candidates["product"] = [
        make_hit(pk, title=title, rank=pk) for pk, title in enumerate(titles, start=1)
    ]

    PreRank(demotion=0.5, intent=0.6, attribute_demotion=0.5).run(ctx)

    assert [hit.display["title"] for hit in ctx.candidates["product"]] == [
        PLAIN_MOUSE,
        RED_MOUSE,
        BLACK_MOUSE,
    ]


def speaker(pk: int, title: str, having=(), lacking=(), category: str = "audio/speakers"):
    hit = make_hit(pk, title=title, rank=pk)
    hit.keywords.update(
        feature=list(having), lacking=list(lacking), category_path=[category.split("/")[0], category]
    )
    return hit


def test_a_product_flagging_a_feature_false_is_demoted_one_saying_nothing_less_among_kinds_that_flag_it():
    bluetooth = QueryFeatures("bluetooth speaker", features=frozenset({"bluetooth"}))
    flagged = speaker(1, "JBL Go 3 speaker", having=("bluetooth",))
    named = speaker(2, "Sony SRS-XB13 Bluetooth speaker")
    wired = speaker(3, "Trust Leto 2.0 speaker set", lacking=("bluetooth",))
    silent = speaker(4, "Logitech Z207 speaker")
    cabled = speaker(5, "Logitech S150 USB speaker", category="audio/other")
    adapter = speaker(7, "Trust Bluetooth audio adapter", category="audio/other")
    hits = [flagged, named, wired, silent, cabled, adapter]
    kinds = featured_kinds(bluetooth, map(document_terms, hits))

    def factor(hit):
        return attribute_factor(bluetooth, document_terms(hit), 0.5, kinds)

    assert kinds == {"audio/speakers"}
    # Flagged true or named by its words: it fits.
    assert factor(flagged) == factor(named) == 1.0
    assert factor(wired) == 0.5
    # Saying nothing where speakers flag it: less likely to have it, but not known to lack it.
    assert factor(silent) == pytest.approx(0.5**0.5)
    # Of a kind no candidate flags it for, whatever its title says: ranked with the silent
    # speakers, neither before them nor behind ("hdmi monitor" put HDMI cables before monitors).
    assert factor(cabled) == factor(adapter) == pytest.approx(0.5**0.5)
    # A video or live stream states no flags: left alone too.
    video = make_hit(6, title="JBL Go 3 review")
    video.doc_type = "video"
    assert attribute_factor(bluetooth, document_terms(video), 0.5, kinds) == 1.0


def test_the_first_stage_puts_products_having_the_feature_first_and_those_lacking_it_last():
    query = "bluetooth speaker"
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = parsed_with(
        query, Extraction("feature", "feature", "bluetooth", 0.6, "bluetooth", positions=(0,))
    )
    ctx.candidates["product"] = [
        speaker(1, "Trust Leto 2.0 speaker set", lacking=("bluetooth",)),
        speaker(2, "Logitech Z207 speaker"),
        speaker(3, "JBL Go 3 speaker", having=("bluetooth",)),
    ]

    PreRank(demotion=0.5, intent=0.6, attribute_demotion=0.5).run(ctx)

    assert [hit.id for hit in ctx.candidates["product"]] == ["product:3", "product:2", "product:1"]


def understood_context(query: str, read: Extraction, category: str, intent: float) -> SearchContext:
    """`query` with `read` extracted and `category` its intent at `intent`."""
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = ParsedQuery(
        original=query, normalized=query, extractions=(read,), category_intent=((category, intent),)
    )
    return ctx


def vga_monitor_context(intent: float) -> SearchContext:
    """ "vga monitor": the feature read, monitors the query's category at `intent`."""
    vga = Extraction("feature", "feature", "vga", 0.6, "vga", positions=(0,))
    return understood_context("vga monitor", vga, "computers/monitors", intent)


MONITORS, ADAPTERS = "computers/monitors", "cables/adapters"


def vga_monitor_first_stage(intent: float) -> list[str]:
    ctx = vga_monitor_context(intent)
    ctx.candidates["product"] = [
        speaker(1, "C2G 4-Port UXGA Monitor Splitter Extender VGA", having=("vga",), category=ADAPTERS),
        speaker(2, "C2G 5m Monitor HD15 M/M cable VGA", category="cables/video-cables"),
        speaker(3, "HP VM633A4 computer monitor", having=("vga",), category=MONITORS),
        speaker(4, "Philips LCD widescreen monitor", category=MONITORS),
    ]
    PreRank(demotion=0.5, intent=0.6, attribute_demotion=0.5).run(ctx)
    return [hit.id for hit in ctx.candidates["product"]]


def test_the_blend_demotes_other_kinds_for_a_feature_asked_of_a_clear_kind_as_the_first_stage_does():
    from searchapp.blend import query_fit

    ctx = vga_monitor_context(0.93)
    monitor = speaker(1, "HP VM633A4 computer monitor", having=("vga",), category=MONITORS)
    splitter = speaker(2, "C2G UXGA Monitor Splitter VGA", having=("vga",), category=ADAPTERS)
    features = np.zeros((2, 1))

    assert list(query_fit(ctx, [monitor, splitter], features, 0.5, intent=0.6)) == [1.0, 0.5]
    # Without a threshold, or below it, both fit the feature alike.
    assert query_fit(ctx, [monitor, splitter], features, 0.5) is None
    assert query_fit(ctx, [monitor, splitter], features, 0.5, intent=0.95) is None


@pytest.mark.parametrize("intent", [0.93, 0.4])
def test_the_final_ranker_keeps_a_feature_asked_of_a_clear_kind_first(intent, monkeypatch, stats):
    from types import SimpleNamespace

    from searchapp.pipeline import PipelineConfig, Rank

    # Given a model that, like one trained on judged queries rarely naming a feature, scores
    # the splitter (its title says "VGA" and "Monitor") above the monitor
    monkeypatch.setattr("ranking.rerank.get_ranking_stats", lambda: stats)
    model = SimpleNamespace(predict=lambda features: np.array([0.5, 1.0]), version="v1")
    ctx = vga_monitor_context(intent)
    ctx.candidates["product"] = [
        speaker(1, "HP VM633A4 computer monitor", having=("vga",), category=MONITORS),
        speaker(2, "C2G UXGA Monitor Splitter VGA", having=("vga",), category=ADAPTERS),
    ]

    # When it orders the first stage's candidates
    Rank(backend=None, config=PipelineConfig(rankers={"product": model})).run(ctx)

    # Then with the kind clear the splitter's odds are halved, as its first-stage score was:
    # the monitor comes first; unclear, the model's order stands
    expected = ["product:1", "product:2"] if intent >= 0.6 else ["product:2", "product:1"]
    assert [hit.id for hit in ctx.candidates["product"]] == expected


def test_a_feature_asked_of_a_clear_kind_puts_that_kind_first():
    # A VGA splitter has VGA ports and its words match better, but "vga monitor" asks for a
    # monitor: products filed elsewhere than the clear intent lose as a lacking one would.
    assert vga_monitor_first_stage(intent=0.93) == ["product:3", "product:4", "product:1", "product:2"]
    # An unclear intent demotes no kind: the feature alone orders them.
    assert vga_monitor_first_stage(intent=0.4) == ["product:1", "product:3", "product:2", "product:4"]


LAPTOPS, LAPTOP_BAGS = "computers/laptops", "computers/laptop-bags-cases"
MOUNTS, TVS = "tv-video/tv-monitor-mounts", "tv-video/tvs-displays"
# query, what it states, its kind, (a product of another kind its words match better, its kind),
# a product of the kind
CLEAR_KIND_CASES = {
    # laptop bags say "Laptop" and "Black", laptops say "Notebook Black"
    "colour": (
        "black laptop",
        Extraction("colour", "colour", "black", 0.7, "black", positions=(0,)),
        LAPTOPS,
        ("Urban Factory Mission Laptop Bag Black", LAPTOP_BAGS),
        "HP 255 G7 Notebook Black",
    ),
    # Samsung's TVs hold every word but "mount"
    "what it fits": (
        "mount for samsung tv",
        Extraction("brand", "brand", "Samsung", 0.6, "samsung", positions=(2,)),
        MOUNTS,
        ("Samsung UE55RU7099UXZG TV 139.7 cm Smart TV", TVS),
        "Samsung WMN5770D flat panel wall mount Silver",
    ),
}


@pytest.mark.parametrize("intent", [0.98, 0.4])
@pytest.mark.parametrize("case", CLEAR_KIND_CASES)
def test_a_colour_or_what_it_fits_asked_of_a_clear_kind_puts_that_kind_first(case, intent):
    query, read, kind, (other, other_kind), of_the_kind = CLEAR_KIND_CASES[case]
    ctx = understood_context(query, read, kind, intent)
    ctx.candidates["product"] = [
        speaker(1, other, category=other_kind),
        speaker(2, of_the_kind, category=kind),
    ]

    # When the first stage orders them (no accessory demotion: this is the kind's alone)
    PreRank(demotion=1.0, intent=0.6, attribute_demotion=0.5).run(ctx)

    # Then with the kind clear its product comes first; unclear, the words' order stands
    expected = ["product:2", "product:1"] if intent >= 0.6 else ["product:1", "product:2"]
    assert [hit.id for hit in ctx.candidates["product"]] == expected


def test_a_product_the_taxonomy_could_not_file_is_silent_on_its_kind():
    # "pink laptop": a pink personal scale nobody filed stood among pink laptops
    pink = QueryFeatures("pink laptop", colours=frozenset({"pink"}))
    laptop = speaker(1, "Lenovo IdeaPad S340 Notebook Pink", category=LAPTOPS)
    bag = speaker(2, "Urban Factory Urban Ultra Laptop Bag 10.2 Pink", category=LAPTOP_BAGS)
    unfiled = make_hit(3, title="Rowenta Premiss Electronic personal scale Square Pink")
    del unfiled.keywords["category_path"]

    def factor(hit, intent=LAPTOPS):
        return attribute_factor(pink, document_terms(hit), 0.5, intent=intent)

    assert (factor(laptop), factor(bag)) == (1.0, 0.5)
    # Maybe of the kind, maybe not: between the two, as a product silent on a feature is
    assert factor(unfiled) == pytest.approx(0.5**0.5)
    # Without a clear kind, nothing is of another kind
    assert factor(unfiled, intent=None) == factor(bag, intent=None) == 1.0


@pytest.mark.parametrize("feature", ["keyboard_backlit", "backlight"])
def test_a_title_denying_the_feature_lacks_it_and_loses_what_its_word_earned(feature):
    # BM25 finds "Non-Backlit" keyboards for "backlit keyboard" by that very word: their titles
    # say they lack it, so they lose more than a keyboard flagging it false.
    backlit = QueryFeatures("backlit keyboard", features=frozenset({feature}))

    def factor(title, lacking=()):
        hit = speaker(1, title, category="computers/keyboards-mice")
        hit.keywords["lacking"] = list(lacking)
        return attribute_factor(backlit, document_terms(hit), 0.5, frozenset({"computers/keyboards-mice"}))

    assert factor("Origin Storage Laptop Internal UK Keyboard Non-Backlit") == 0.25
    assert factor("Cherry G83 keyboard", lacking=[feature]) == 0.5
    assert factor("Logitech K800 Backlit Keyboard") == 1.0  # "backlit" writes "backlight" too
    assert factor("Cherry G83 keyboard") == pytest.approx(0.5**0.5)
