import pytest

from searchapp.query.normalize import in_gigabytes, normalize, split_unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Wireless   MOUSE ", "wireless mouse"),
        (
            "\uff35\uff33\uff22\u3000\uff43\uff41\uff42\uff4c\uff45",
            "usb cable",
        ),  # full-width forms fold (NFKC)
        ("Straße", "strasse"),  # casefold, not lower
        ("wire\u200bless mouse", "wireless mouse"),  # zero-width space inside a word
        ("mouse\x00\tpad\n", "mouse pad"),  # control characters separate words
        ("usb-c hub!!!", "usb-c hub"),
        ("hello \u2013 world", "hello world"),
        ("DROP TABLE products; --", "drop table products"),
        ('{"q": [1, 2]}', "q 1 2"),
        ("😀 phone 📱", "phone"),
    ],
)
def test_text_is_folded_to_one_canonical_spelling(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("model", ["tn-2110", "wh-1000xm4", "006r90321", "802.11ac", "at&t", "c2g"])
def test_model_numbers_are_kept_whole(model):
    assert normalize(f"Brand {model.upper()} thing") == f"brand {model} thing"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1tb ssd", "1tb ssd"),
        ("1 TB ssd", "1tb ssd"),
        ("1000GB ssd", "1tb ssd"),
        ("2048 gb", "2tb"),
        ("512 gb", "512gb"),
        ("8 gigs ram", "8gb ram"),
        ("2.0m hdmi cable", "2m hdmi cable"),
        ('27" monitor', "27in monitor"),
        ("27\u201d monitor", "27in monitor"),
        ("27 inch monitor", "27in monitor"),
        ("10,000 mAh power bank", "10000mah power bank"),
        ("3 ft cable", "3ft cable"),
    ],
)
def test_numbers_with_units_get_one_canonical_token(raw, expected):
    assert normalize(raw) == expected


def test_ambiguous_unit_words_are_left_as_words():
    # "2 in 1" is a laptop type, not 2 inches; a lone "m" is not a metre.
    assert normalize("2 in 1 laptop") == "2 in 1 laptop"
    assert normalize("size 2 m") == "size 2 m"


def test_currency_signs_stay_with_their_amount():
    assert normalize("under $ 20") == "under $20"
    assert normalize("20$ headphones") == "$20 headphones"
    assert normalize("$ alone") == "alone"


def test_long_input_is_cut_to_a_bounded_length():
    assert len(normalize("word " * 1000)) <= 512


def test_split_unit_reads_canonical_tokens_only():
    assert split_unit("1tb") == ("1", "tb")
    assert split_unit("27in") == ("27", "in")
    assert split_unit("wh-1000xm4") is None
    assert split_unit("4k") is None


@pytest.mark.parametrize(
    ("token", "written"), [("1tb", "1000 gb"), ("1.5tb", "1500 gb"), ("16gb", None), ("tb", None)]
)
def test_terabytes_are_also_written_in_gigabytes(token, written):
    assert in_gigabytes(token) == written
