"""Rank-stage latency: `manage.py bench_rank --queries 50 --repeat 20`.

For real first-stage candidate lists (RANKING_RANK_DEPTH of them per query), times the Rank
stage's work: stored-vector similarity, feature computation and LightGBM prediction, with the promoted model or,
when none is promoted yet, the newest registered one.
"""

import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from ranking.candidates import FirstStage
from ranking.features import QueryFeatures
from ranking.judgments import load_ratings_by_doc_id
from ranking.models import RankerModel
from ranking.registry import load_ranker, promoted
from ranking.rerank import rank_candidates
from ranking.stats import get_ranking_stats
from searchapp.pipeline import Rank


class Command(BaseCommand):
    help = "p50/p99 of the final ranking stage (features + LightGBM) on real candidate lists."

    def add_arguments(self, parser):
        parser.add_argument(
            "--judgments", default="data/chorus/judgments-dev.csv", help="Where the queries come from."
        )
        parser.add_argument("--queries", type=int, default=50)
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, judgments, queries, repeat, **options):
        record = promoted() or RankerModel.objects.first()
        if record is None:
            raise CommandError("no registered model: train one first (manage.py train_ranker)")
        ranker = load_ranker(record)
        get_ranking_stats()  # loaded once per process, not per request
        first_stage = FirstStage()
        rank = next(stage for stage in first_stage.pipeline.stages if isinstance(stage, Rank))
        contexts = [first_stage.context(q) for q in list(load_ratings_by_doc_id(judgments))[:queries]]
        lists = [(ctx, ctx.candidates["product"][: rank.config.rank_depth]) for ctx in contexts]
        query_features = [QueryFeatures.from_parsed(ctx.query, ctx.parsed) for ctx in contexts]
        timings = []
        for _ in range(repeat):
            for (ctx, hits), query in zip(lists, query_features, strict=True):
                # The whole stage: stored vectors -> dense similarity, features, prediction.
                started = time.perf_counter()
                rank_candidates(query, hits, ranker=ranker, similarity=rank.similarity(ctx, "product", hits))
                timings.append((time.perf_counter() - started) * 1000)
        sizes = [len(hits) for _, hits in lists]
        p50, p99 = np.percentile(timings, [50, 99])
        self.stdout.write(
            f"model {ranker.version}; {len(timings)} rankings of {min(sizes)}-{max(sizes)} candidates"
        )
        self.stdout.write(f"rank stage p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        self.stdout.write(
            f'{{"rank_p50_ms": {p50:.3f}, "rank_p99_ms": {p99:.3f}, "candidates": {max(sizes)}}}'
        )
