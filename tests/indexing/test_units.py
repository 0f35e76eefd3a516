import pytest

from indexing.units import inches_as_units, indexed_inch_sizes


@pytest.mark.parametrize(
    ("text", "indexed"),
    [
        ('TV 139.7 cm (55")', "TV 139.7 cm (55 55in )"),
        ("Sleeve 15.6'' black", "Sleeve 15.6 15.6in  black"),
        ("HP 24-inch Widescreen", "HP 24 24in  Widescreen"),
        ("27\u201d monitor", "27 27in  monitor"),
        ("3 INCHES", "3 3in "),
        ("2 in 1 laptop", "2 in 1 laptop"),  # a lone "in" is a word
        ("5 inchworms", "5 inchworms"),
        ("Box 55 cm", "Box 55 cm"),
    ],
)
def test_indexed_text_has_each_inch_size_as_a_unit_beside_the_number(text, indexed):
    assert indexed_inch_sizes(text) == indexed


def test_a_query_size_becomes_the_unit_token_alone():
    assert inches_as_units('tv 55 inch, 27" monitor') == "tv 55in , 27in  monitor"
