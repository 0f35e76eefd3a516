"""Exploration draws are seeded by the query, the filters set, the shopper and the session."""

from dataclasses import dataclass

from searchapp.blend import exploration_seed
from searchapp.pipeline import SearchContext
from searchapp.search_request import SearchFilters, SearchRequest


def seed(filters: object, query: str = "mouse", session: str = "s1") -> tuple[str, ...]:
    return exploration_seed(SearchContext(request=SearchRequest(query, filters=filters, session_id=session)))


@dataclass(frozen=True)
class FiltersWithANewField(SearchFilters):
    """The filters as a later API might have them: one more field, unset."""

    warranty_years: int | None = None


def test_an_unset_filter_the_api_adds_later_leaves_every_draw_as_it_was():
    assert seed(FiltersWithANewField()) == seed(SearchFilters())
    assert seed(FiltersWithANewField(brands=("HP",))) == seed(SearchFilters(brands=("HP",)))


def test_the_filters_set_the_query_and_the_session_each_change_the_draws():
    plain = seed(SearchFilters())
    assert seed(SearchFilters(colours=("red",))) != plain
    assert seed(SearchFilters(), query="red mouse") != plain
    assert seed(SearchFilters(), session="s2") != plain
