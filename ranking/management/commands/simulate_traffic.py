"""SIMULATED traffic: `manage.py simulate_traffic --sessions 2000 --seed 7` (see ranking/simulation.py)."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from indexing.embeddings import normalise_query
from ranking.candidates import FirstStage
from ranking.feature_log import served_search_payload
from ranking.features import QueryFeatures
from ranking.judgments import load_ratings_by_doc_id
from ranking.rerank import rank_candidates
from ranking.simulation import ClickModel, HiddenRelevance, ServedSearch, TrafficSimulator, generated_queries
from ranking.tasks import log_search


class FunnelSearch:
    """Serve a product search through the funnel and log what was shown, with its features."""

    def __init__(self, page_size: int):
        self.first_stage = FirstStage()
        self.page_size = page_size

    def __call__(self, query: str, shopper_id: str, session_id: str) -> ServedSearch:
        normalized = normalise_query(query)
        ranked = rank_candidates(QueryFeatures(normalized), self.first_stage(query))
        page = ranked.hits[: self.page_size]
        search_id = str(uuid.uuid4())
        log_search.delay(
            served_search_payload(
                search_id=search_id,
                query=query,
                normalized_query=normalized,
                doc_type="product",
                doc_ids=[hit.id for hit in page],
                features=ranked.features[: self.page_size],
                model_version=ranked.model_version,
                shopper_id=shopper_id,
                session_id=session_id,
            )
        )
        return ServedSearch(search_id, [hit.id for hit in page])


class Command(BaseCommand):
    help = "SIMULATED shoppers: search through the funnel, then impressions, clicks, carts and orders."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--judgments", default="data/chorus/judgments-dev.csv", help="Hidden relevance source."
        )
        parser.add_argument(
            "--generated-queries", type=int, default=120, help="Catalog-grounded extra queries."
        )
        parser.add_argument(
            "--eta", type=float, default=1.0, help="Position-bias exponent of the click model."
        )

    def handle(self, *args, sessions, seed, judgments, generated_queries: int, eta, **options):
        if sessions < 1:
            raise CommandError("--sessions must be positive")
        ratings = load_ratings_by_doc_id(judgments) if judgments else {}
        queries = list(dict.fromkeys([*ratings, *self.catalog_queries(generated_queries)]))
        click_model = ClickModel(eta=eta)
        simulator = TrafficSimulator(
            FunnelSearch(click_model.page_size), HiddenRelevance(ratings), click_model, seed=seed
        )
        report = simulator.run(queries, sessions)
        self.stdout.write(
            f"SIMULATED traffic (seed {seed}): {report.searches} searches over {len(queries)} queries"
        )
        for kind, count in sorted(report.events.items()):
            self.stdout.write(f"  {kind:<12} {count:>8}")
        self.stdout.write(f"  events stored: {report.inserted} (replayed ones are skipped)")
        clicks = " ".join(f"{p}:{report.clicks_by_position[p]}" for p in range(1, 11))
        self.stdout.write(f"  clicks by position (position bias): {clicks}")

    @staticmethod
    def catalog_queries(limit: int) -> list[str]:
        return generated_queries(limit) if limit else []
