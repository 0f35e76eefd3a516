import pytest

from personalization.profiles import update_profiles

from .conftest import event

pytestmark = pytest.mark.django_db


def test_support_finds_a_profile_by_shopper_id_and_cannot_edit_it(admin_client, catalog):
    update_profiles(
        [event(catalog["headset"], shopper_id="ann-42"), event(catalog["cartridge"], shopper_id="bob")]
    )

    listing = admin_client.get("/admin/personalization/shopperprofile/", {"q": "ann-42"})

    assert listing.status_code == 200
    assert [profile.key for profile in listing.context["cl"].result_list] == ["shopper:ann-42"]
    assert "audio/headphones" in listing.content.decode()
    assert admin_client.get("/admin/personalization/shopperprofile/add/").status_code == 403
