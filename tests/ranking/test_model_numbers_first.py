"""The first stage puts what holds a query's model number first (searchapp/pipeline.PreRank)."""

from searchapp.pipeline import PreRank, SearchContext
from searchapp.query.analyzer import ParsedQuery
from searchapp.query.attributes import MODEL_NUMBER, Extraction
from searchapp.search_request import SearchRequest

from .conftest import make_hit

TONER = "Brother TN-2110 toner cartridge Original Black"
NOTEBOOK = "HP Compaq nc4400 Notebook PC"
BATTERY = "HP notebook battery for nc4400 and nc6400"


def first_stage(query: str, models: tuple[str, ...], beside: tuple[str, ...], titles: list[str]) -> list[str]:
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = ParsedQuery(
        original=query,
        normalized=query,
        extractions=tuple(Extraction(MODEL_NUMBER, "title", model, 1.0, model) for model in models),
        beside_models=beside,
    )
    # fused in the order given
    ctx.candidates["product"] = [make_hit(i, title=title, rank=i) for i, title in enumerate(titles, start=1)]
    PreRank(demotion=0.5, intent=0.6).run(ctx)
    return [hit.display["title"] for hit in ctx.candidates["product"]]


def test_what_holds_the_model_number_comes_first_however_it_fused():
    others = ["Canon PG-210 Original Black", "Canon CLI-521 C Original Cyan", "Brother TN-2120 toner"]
    assert first_stage("canon tn-2110", ("tn-2110",), (), [*others, TONER]) == [TONER, *others]
    # the model number as a phrase: "tn 2110" elsewhere in a title is not it
    assert first_stage("tn-2110", ("tn-2110",), (), ["TN cable 2110 mm", TONER])[0] == TONER


def test_a_holder_lacking_the_other_words_asked_for_keeps_its_place():
    # "nc4400 battery" asks for a battery for the nc4400, not for the notebook itself
    titles = [NOTEBOOK, "Duracell battery", BATTERY]
    assert first_stage("nc4400 battery", ("nc4400",), ("battery",), titles) == [
        BATTERY,
        NOTEBOOK,
        "Duracell battery",
    ]
    assert first_stage("nc4400 charger", ("nc4400",), ("charger",), titles) == titles


def test_without_a_model_number_the_fused_order_stands():
    titles = ["Canon PG-210 Original Black", TONER]
    assert first_stage("canon toner", (), (), titles) == titles
