"""Any change to synonyms or query rules, from the admin or code, reaches every process."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from searchapp.models import QueryRule, Synonym

from .rules import rule_switches
from .synonyms import synonym_tables


@receiver(post_save, sender=Synonym)
@receiver(post_delete, sender=Synonym)
def synonyms_changed(sender, **kwargs):
    synonym_tables.invalidate()


@receiver(post_save, sender=QueryRule)
@receiver(post_delete, sender=QueryRule)
def rules_changed(sender, **kwargs):
    rule_switches.invalidate()
