"""SIMULATED traffic: `manage.py simulate_traffic --sessions 2000 --seed 7` (see ranking/simulation.py)."""

from django.core.management.base import BaseCommand, CommandError

from ranking.judgments import load_ratings_by_doc_id
from ranking.simulation import (
    ClickModel,
    FunnelSearch,
    HiddenRelevance,
    TrafficSimulator,
    generated_queries,
)


class Command(BaseCommand):
    help = "SIMULATED shoppers: search through the funnel, then impressions, clicks, carts and orders."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--type",
            dest="doc_type",
            choices=("product", "video"),
            default="product",
            help="What the shoppers search for (each type's ranker learns from its own traffic).",
        )
        parser.add_argument(
            "--judgments", default="data/chorus/judgments-dev.csv", help="Hidden relevance source."
        )
        parser.add_argument(
            "--generated-queries", type=int, default=120, help="Catalog-grounded extra queries."
        )
        parser.add_argument(
            "--eta", type=float, default=1.0, help="Position-bias exponent of the click model."
        )
        parser.add_argument(
            "--explore-rate", type=float, default=0.3, help="Share of searches served a shuffled page."
        )
        parser.add_argument(
            "--explore-depth", type=int, default=100, help="Exploration draws pages from this ranked top."
        )

    def handle(
        self,
        *args,
        sessions,
        seed,
        judgments,
        generated_queries: int,
        eta,
        explore_rate,
        explore_depth,
        doc_type,
        **options,
    ):
        if sessions < 1:
            raise CommandError("--sessions must be positive")
        ratings = load_ratings_by_doc_id(judgments) if judgments else {}
        queries = list(dict.fromkeys([*ratings, *self.catalog_queries(generated_queries)]))
        click_model = ClickModel(eta=eta)
        simulator = TrafficSimulator(
            FunnelSearch(click_model.page_size, explore_rate, explore_depth, seed, doc_type=doc_type),
            HiddenRelevance(ratings),
            click_model,
            seed=seed,
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
