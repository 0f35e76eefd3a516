"""Saving the marketplace settings or any live stream reaches every process's cached copy."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import LiveStream

from .live_status import open_streams
from .marketplace_settings import marketplace_config
from .models import MarketplaceSettings


@receiver(post_save, sender=MarketplaceSettings)
@receiver(post_delete, sender=MarketplaceSettings)
def marketplace_settings_changed(sender, **kwargs):
    marketplace_config.invalidate()


@receiver(post_save, sender=LiveStream)
@receiver(post_delete, sender=LiveStream)
def live_stream_changed(sender, **kwargs):
    open_streams.invalidate()
