"""A small, generic electronics synonym list to start from; merchandisers edit it in the admin.

One-way where one spelling is the catalog's and the other the shopper's ("laptop" finds the
feed's "notebook", but a paper "notebook" should not find laptops)."""

from django.db import migrations

SEED_RULES = (
    "tv, television",
    "laptop => notebook",
    "earbuds, earphones",
    "headphones => headset",
    "cell phone, cellphone, mobile phone, smartphone",
    "charger => power adapter",
    "usb stick, thumb drive, pen drive, flash drive",
    "hdd, hard drive, hard disk",
    "ssd, solid state drive",
    "ram => memory",
    "webcam, web camera",
    "camcorder, video camera",
    "mouse pad, mousepad, mouse mat",
    "ps4, playstation 4",
    "ps5, playstation 5",
    "wifi, wi-fi, wlan",
    "cord => cable",
    "sd card => memory card",
)


def seed(apps, schema_editor):
    Synonym = apps.get_model("searchapp", "Synonym")
    for rule in SEED_RULES:
        Synonym.objects.get_or_create(rule=rule, locale="en")


def unseed(apps, schema_editor):
    apps.get_model("searchapp", "Synonym").objects.filter(rule__in=SEED_RULES, locale="en").delete()


class Migration(migrations.Migration):
    dependencies = [("searchapp", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
