"""The marketplace settings row as a `MarketplaceConfig`, cached per process and reloaded
everywhere when the row changes (the same mechanism as synonyms: searchapp/query/cached.py)."""

from __future__ import annotations

from ranking.marketplace_config import BlendConfig, ExplorationConfig, MarketplaceConfig, ObjectiveConfig

from .models import MarketplaceSettings
from .query.cached import VersionedValue

MAX_POSITION = 100


def parse_positions(text: str) -> tuple[int, ...]:
    """ "5, 12" -> (5, 12); blank -> () (exploration off)."""
    positions = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_POSITION:
            raise ValueError(f"{part!r} is not a page position between 1 and {MAX_POSITION}")
        positions.append(int(part))
    if len(set(positions)) != len(positions):
        raise ValueError("a position is listed twice")
    return tuple(sorted(positions))


def config_from_row(row: MarketplaceSettings) -> MarketplaceConfig:
    if not row.enabled:
        return MarketplaceConfig.relevance_only()
    return MarketplaceConfig(
        objective=ObjectiveConfig(
            gmv_weight=row.gmv_weight,
            personal_weight=row.personal_weight,
            trust_floor=row.trust_floor,
            trust_demotion=row.trust_demotion,
            out_of_stock_demotion=row.out_of_stock_demotion,
            learned_engagement=row.learned_engagement,
            rank_evidence=row.rank_evidence,
        ),
        exploration=ExplorationConfig(positions=parse_positions(row.exploration_positions)),
        blend=BlendConfig(
            live_window_minutes=row.live_window_minutes,
            max_lives_in_top=row.max_lives_in_top,
            lives_top_k=row.lives_top_k,
            max_consecutive_same_seller=row.max_consecutive_same_seller,
            shop_repeat_decay=row.shop_repeat_decay,
            type_shares={
                doc_type: (getattr(row, f"{doc_type}_min_share"), getattr(row, f"{doc_type}_max_share"))
                for doc_type in ("product", "video", "live")
            },
        ),
    )


def load_marketplace_config() -> MarketplaceConfig:
    row = MarketplaceSettings.objects.filter(pk=1).first()
    return config_from_row(row) if row is not None else MarketplaceConfig()


marketplace_config = VersionedValue("searchapp:marketplace-settings:version", load_marketplace_config)
