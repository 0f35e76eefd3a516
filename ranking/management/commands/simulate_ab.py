"""SIMULATED A/B test of the marketplace layer:
`manage.py simulate_ab --sessions 1500 --seed 7 [--a relevance] [--b marketplace]
[--gmv-weight 0.5] [--shop-repeat-decay 1] [--exploration-positions ""]
[--rank-only-engagement] [--json out.json]`
(see ranking/ab_test.py). The overrides change arm B only, so one part of the marketplace
layer can be measured at a time. The last output line is JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ranking.ab_test import ARM_PRESETS, NDCG_K, ABReport, ABTest
from ranking.judgments import load_ratings_by_doc_id
from ranking.marketplace_config import MarketplaceConfig
from ranking.simulation import ClickModel, HiddenRelevance, draw_shoppers, generated_queries
from searchapp.marketplace_settings import parse_positions
from searchapp.models import MarketplaceSettings

# Objective knobs arm B can override: option dest -> ObjectiveConfig field.
OBJECTIVE_OPTIONS = (
    "gmv_weight",
    "personal_weight",
    "trust_floor",
    "trust_demotion",
    "out_of_stock_demotion",
    "rank_evidence",
)
PROGRESS_EVERY = 100  # sessions


class Command(BaseCommand):
    help = "SIMULATED A/B test: two marketplace configurations, the same shoppers, CIs per metric."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=1500)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--a", choices=sorted(ARM_PRESETS), default="relevance", help="Arm A's preset.")
        parser.add_argument("--b", choices=sorted(ARM_PRESETS), default="marketplace", help="Arm B's preset.")
        for name in OBJECTIVE_OPTIONS:
            parser.add_argument(
                f"--{name.replace('_', '-')}", type=float, help=f"Override arm B's objective {name}."
            )
        parser.add_argument(
            "--shop-repeat-decay", type=float, help="Override arm B's seller spreading (1 = off)."
        )
        parser.add_argument(
            "--rank-only-engagement",
            action="store_true",
            help="Arm B's P(engage) from the rank curve alone, not the learned engagement model.",
        )
        parser.add_argument(
            "--exploration-positions",
            help='Override arm B\'s exploration slots, e.g. "5, 12" ("" = exploration off).',
        )
        parser.add_argument(
            "--judgments",
            default="data/chorus/judgments-dev.csv",
            help="Hidden relevance of the simulated shoppers, and the NDCG@10 queries.",
        )
        parser.add_argument(
            "--generated-queries", type=int, default=120, help="Catalog-grounded extra queries."
        )
        parser.add_argument("--shoppers", type=int, default=300, help="Size of the simulated population.")
        parser.add_argument(
            "--interest-share",
            type=float,
            default=0.5,
            help="Share of a shopper's searches about their own interests (0: queries ignore them).",
        )
        parser.add_argument(
            "--eta", type=float, default=1.0, help="Position-bias exponent of the click model."
        )
        parser.add_argument("--resamples", type=int, default=2000, help="Bootstrap resamples per interval.")
        parser.add_argument("--json", dest="json_path", help="Also write the full report here.")

    def handle(self, *args, **options):
        sessions, seed = options["sessions"], options["seed"]
        for name in ("sessions", "shoppers", "resamples"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be positive")
        if not 0 <= options["interest_share"] <= 1:
            raise CommandError("--interest-share must be between 0 and 1")
        judgments = options["judgments"]
        if judgments and not Path(judgments).is_file():
            raise CommandError(f"no judgments file at {judgments}")
        ratings = load_ratings_by_doc_id(judgments) if judgments else {}
        extra = generated_queries(options["generated_queries"]) if options["generated_queries"] else []
        queries = list(dict.fromkeys([*ratings, *extra]))
        if not queries:
            raise CommandError("no queries: give --judgments or --generated-queries")

        config_a = ARM_PRESETS[options["a"]]()
        config_b, name_b = self.arm_b(options)

        test = ABTest(
            queries,
            draw_shoppers(options["shoppers"], seed),
            HiddenRelevance(ratings),
            ratings,
            seed,
            click_model=ClickModel(eta=options["eta"]),
            resamples=options["resamples"],
            interest_share=options["interest_share"],
        )
        self.stdout.write(
            f"SIMULATED A/B (seed {seed}): {sessions} sessions x 2 arms, {len(queries)} queries, "
            f"{options['shoppers']} shoppers"
        )
        report = test.run([(options["a"], config_a), (name_b, config_b)], sessions, progress=self.progress)
        self.print_report(report)
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report.as_dict(), indent=2))
        self.stdout.write(json.dumps(report.summary()))

    @staticmethod
    def arm_b(options) -> tuple[MarketplaceConfig, str]:
        """Arm B's preset with the command line's overrides, and a name that lists them."""
        overrides = {name: options[name] for name in OBJECTIVE_OPTIONS if options[name] is not None}
        if options["rank_only_engagement"]:
            overrides["learned_engagement"] = False
        config = ARM_PRESETS[options["b"]]().with_objective(**overrides)
        decay = options["shop_repeat_decay"]
        if decay is not None:
            # The admin's own bounds for the same setting.
            try:
                MarketplaceSettings._meta.get_field("shop_repeat_decay").run_validators(decay)
            except ValidationError as error:
                raise CommandError(f"--shop-repeat-decay: {' '.join(error.messages)}") from None
            overrides["shop_repeat_decay"] = decay
            config = replace(config, blend=replace(config.blend, shop_repeat_decay=decay))
        if options["exploration_positions"] is not None:
            try:
                positions = parse_positions(options["exploration_positions"])
            except ValueError as error:
                raise CommandError(f"--exploration-positions: {error}") from None
            overrides["exploration_positions"] = positions
            config = replace(config, exploration=replace(config.exploration, positions=positions))
        return config, options["b"] + "".join(f" {name}={value}" for name, value in overrides.items())

    def progress(self, arm: str, done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            self.stdout.write(f"  arm {arm}: {done}/{total} sessions")

    def print_report(self, report: ABReport) -> None:
        header = f"{'metric':<28} {'A':>10} {'B':>10} {'B - A':>10}  95% CI of B - A"
        self.stdout.write(f"\nA = {report.arms['a']}, B = {report.arms['b']}; searches {report.searches}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name, m in report.metrics.items():
            low, high = m.diff_ci
            self.stdout.write(
                f"{name:<28} {m.a:>10.4f} {m.b:>10.4f} {m.diff:>+10.4f}  [{low:+.4f}, {high:+.4f}]"
            )
        self.stdout.write(
            f"\nAcceptance (GMV and CTR: expected values of the pages shown; "
            f"NDCG@{NDCG_K} on the judged queries, no shopper):"
        )
        for criterion, passed in report.verdicts.items():
            self.stdout.write(f"  {'PASS' if passed else 'FAIL'}  {criterion}")
