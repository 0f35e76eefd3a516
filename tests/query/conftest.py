import pytest

from searchapp.query.analyzer import reset_caches
from searchapp.query.rules import rule_switches
from searchapp.query.synonyms import synonym_tables
from searchapp.query.vocabulary import Vocabulary


@pytest.fixture(autouse=True)
def fresh_query_caches():
    """Every test starts from its own database: no synonyms or rules cached from another."""
    synonym_tables.forget()
    rule_switches.forget()
    yield
    synonym_tables.forget()
    rule_switches.forget()


@pytest.fixture
def vocabulary() -> Vocabulary:
    """A small hand-made vocabulary, as `build_vocabulary` would make from a catalog."""
    return Vocabulary(
        terms={
            "wireless": 900, "mouse": 700, "xbox": 60, "controller": 250, "headset": 268, "head": 258,
            "set": 356, "bluetooth": 419, "blue": 2833, "speaker": 300, "speakers": 400, "charger": 200,
            "iphone": 80, "ssd": 150, "laptop": 300, "bag": 120, "red": 275, "jbl": 40, "sony": 500,
            "cable": 3000, "hdmi": 800, "toner": 5000, "cartridge": 5000, "usb": 2500, "hub": 150,
            "startech": 5000, "mice": 30, "monitor": 400, "wireles": 1, "stand": 300, "and": 9000,
        },
        bigrams={"wireless mouse": 120, "usb hub": 60, "head set": 1, "hdmi cable": 500, "laptop stand": 40},
        # Titles holding a word (row numbers): the words a split pair may be joined into.
        title_postings={"headset": [0, 1], "bluetooth": [2, 3]},
        brands={"jbl": "JBL", "sony": "Sony", "startech.com": "StarTech.com", "startech": "StarTech.com",
                "allied telesis": "Allied Telesis", "equip": "Equip"},
        brand_precision={"jbl": 1.0, "sony": 0.99, "startech.com": 1.0, "startech": 1.0, "allied telesis": 1.0,
                         "equip": 0.3},
        category_paths={"Audio > Speakers": "audio/speakers", "Computers > Keyboards & mice": "computers/keyboards-mice",
                        "Batteries & power > Power adapters & chargers": "batteries-power/power-adapters-chargers",
                        "Storage > SSDs": "storage/ssds", "Cables > HDMI cables": "cables/hdmi-cables"},
        category_names={"audio/speakers": "Speakers"},
        common_words=["the", "boys", "netflix", "tooth"],
    )  # fmt: skip


@pytest.fixture
def saved_vocabulary(vocabulary, settings, tmp_path):
    """`vocabulary` saved where the analyzer loads it from, with no intent model."""
    settings.SEARCH_DATA_DIR = tmp_path
    from searchapp.query.vocabulary import vocabulary_path

    vocabulary.save(vocabulary_path())
    reset_caches()
    yield vocabulary
    reset_caches()
