"""Which candidates an explicit sort lists (searchapp/sort_floor.py)."""

from indexing.backends.base import Hit
from searchapp.sort_floor import sortable


def product(pk: int, title: str, category: str, dense: float | None = None) -> Hit:
    leaf = category.rsplit("/", 1)[-1]
    hit = Hit(
        doc_type="product",
        id=f"product:{pk}",
        score=1.0,
        keywords={"category_path": [category.split("/")[0], category]},
        display={"title": title, "category": leaf},
    )
    if dense is not None:
        hit.channel_scores["dense"] = dense
    return hit


TV = product(1, "Philips 42PFL5603D LCD TV", "tv-video/tvs-displays")
REMOTE = product(2, "Philips TV remote control", "tv-video/remotes")
CABLE = product(3, "USB data cable", "cables/usb-cables")  # recalled for "TV" in its description
MONITOR = product(4, "Samsung 27in monitor", "computers/monitors", dense=0.7)


def ids(hits):
    return [hit.id for hit in hits]


def test_a_sort_keeps_title_matches_and_close_dense_matches():
    assert ids(sortable([TV, REMOTE, CABLE, MONITOR], "tv")) == ids([TV, REMOTE, MONITOR])


def test_a_query_nothing_matches_in_title_keeps_every_candidate():
    assert ids(sortable([CABLE, REMOTE], "waterproof")) == ids([CABLE, REMOTE])


def test_a_sure_category_intent_scopes_the_list_to_that_category():
    intent = [("tv-video/tvs-displays", 0.97), ("tv-video/remotes", 0.03)]
    assert ids(sortable([TV, REMOTE, CABLE], "tv", intent)) == ids([TV])


def test_an_unsure_or_empty_category_intent_leaves_the_matches():
    assert ids(sortable([TV, REMOTE, CABLE], "tv", [("tv-video/tvs-displays", 0.6)])) == ids([TV, REMOTE])
    assert ids(sortable([REMOTE, CABLE], "tv", [("tv-video/tvs-displays", 0.97)])) == ids([REMOTE])
