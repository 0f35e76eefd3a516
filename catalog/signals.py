"""Model signals that keep the search index in step with the catalog (see indexing/updates.py).

Receivers only name what changed; indexing/updates.py batches the pks per transaction and
enqueues the tasks on commit. Writes that bypass signals (`queryset.update()`, `bulk_create`)
call `schedule_index` themselves.
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from indexing.documents import DOC_TYPE_MODELS
from indexing.updates import schedule_delete, schedule_index

from .models import Brand, Category, LiveStream, Product, Shop, Video

DOC_TYPE_OF_MODEL = {model: doc_type for doc_type, model in DOC_TYPE_MODELS.items()}

# Fields of a brand, category or shop that its products', videos' and lives' documents copy.
# (Category.save() recomputes `path` before pre_save, so it covers slug and parent changes.)
COPIED_FIELDS = {Brand: ("name",), Category: ("name", "path"), Shop: ("name", "slug")}


@receiver(post_save, sender=Product)
@receiver(post_save, sender=Video)
@receiver(post_save, sender=LiveStream)
def index_saved(sender, instance, **kwargs):
    # (for a product, updates.py also reindexes the videos and lives tagging it)
    schedule_index(DOC_TYPE_OF_MODEL[sender], [instance.pk])


@receiver(post_delete, sender=Product)
@receiver(post_delete, sender=Video)
@receiver(post_delete, sender=LiveStream)
def delete_deleted(sender, instance, **kwargs):
    schedule_delete(DOC_TYPE_OF_MODEL[sender], [instance.pk])


@receiver(pre_delete, sender=Product)
def reindex_taggers_of_deleted_product(sender, instance, **kwargs):
    # The tagging rows are gone by post_delete (and by commit), so read them now.
    schedule_index("video", instance.videos.values_list("pk", flat=True))
    schedule_index("live", instance.live_streams.values_list("pk", flat=True))


@receiver(m2m_changed, sender=Video.products.through)
@receiver(m2m_changed, sender=LiveStream.products.through)
def reindex_retagged(sender, instance, action, reverse, pk_set, **kwargs):
    doc_type = "video" if sender is Video.products.through else "live"
    if not reverse and action in {"post_add", "post_remove", "post_clear"}:
        schedule_index(doc_type, [instance.pk])
    elif reverse and action in {"post_add", "post_remove"}:
        schedule_index(doc_type, pk_set)
    elif reverse and action == "pre_clear":
        # `product.videos.clear()`: which videos lose it is only known before the clear.
        related = instance.videos if doc_type == "video" else instance.live_streams
        schedule_index(doc_type, related.values_list("pk", flat=True))


@receiver(pre_save, sender=Brand)
@receiver(pre_save, sender=Category)
@receiver(pre_save, sender=Shop)
def remember_copied_fields(sender, instance, **kwargs):
    """Keep the stored values, so post_save reindexes only when a copied field changed."""
    fields = COPIED_FIELDS[sender]
    stored = sender.objects.filter(pk=instance.pk).values(*fields).first() if instance.pk else None
    instance._search_stored_fields = stored


@receiver(post_save, sender=Brand)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Shop)
def reindex_renamed(sender, instance, created, **kwargs):
    stored = instance.__dict__.pop("_search_stored_fields", None)
    if created or stored is None:
        return
    if any(stored[f] != getattr(instance, f) for f in COPIED_FIELDS[sender]):
        reindex_dependents(sender, instance, stored)


@receiver(pre_delete, sender=Brand)
@receiver(pre_delete, sender=Category)
@receiver(pre_delete, sender=Shop)
def reindex_orphaned(sender, instance, **kwargs):
    # Products keep existing with the link set to NULL by an UPDATE that sends no signals.
    reindex_dependents(sender, instance)


def reindex_dependents(sender, instance, stored: dict | None = None) -> None:
    if sender is Brand:
        products = Product.objects.filter(brand=instance)
    elif sender is Category:
        # Descendants' documents carry this category's name and path as well.
        path = stored["path"] if stored else instance.path
        products = Product.objects.filter(Q(category__path=path) | Q(category__path__startswith=f"{path}/"))
    else:
        products = Product.objects.filter(shop=instance)
        schedule_index("video", instance.videos.values_list("pk", flat=True))
        schedule_index("live", instance.live_streams.values_list("pk", flat=True))
    schedule_index("product", products.values_list("pk", flat=True))
