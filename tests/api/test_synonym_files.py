"""Synonym files: a Solr / Elasticsearch synonyms file imported in the admin (line by line,
with the reason for each line refused) and the rules downloaded as one."""

from django.core.files.uploadedfile import SimpleUploadedFile

from searchapp.models import Synonym

IMPORT = "/admin/searchapp/synonym/import/"
SYNONYMS_TXT = """# audio
boombox, speaker

notebook computer => laptop
tv, television
a => b => c
speaker
"""


def upload(admin_client, content: bytes, **fields):
    data = {"locale": "en", "weight": "0.6", "text": "", **fields}
    if content:
        data["file"] = SimpleUploadedFile("synonyms.txt", content, content_type="text/plain")
    return admin_client.post(IMPORT, data)


def test_a_synonyms_file_is_imported_line_by_line_and_applies_to_the_next_search(
    admin_client, client, small_catalog, django_capture_on_commit_callbacks, settings
):
    settings.SEARCH_QUERY_SETTINGS_CHECK_SECONDS = 0  # every search checks for new rules
    # "tv, television" is among the seeded rules already
    before = client.get("/api/search", {"q": "boombox"}).json()
    assert not before["understood"]["synonyms_applied"]

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, SYNONYMS_TXT.encode())

    result = response.context["result"]
    assert result.created == ["boombox, speaker", "notebook computer => laptop"]
    assert result.unchanged == ["tv, television"]
    assert [(number, line) for number, line, _ in result.errors] == [(6, "a => b => c"), (7, "speaker")]
    assert "at most once" in result.errors[0][2] and "at least two" in result.errors[1][2]
    assert Synonym.objects.get(rule="notebook computer => laptop").weight == 0.6
    after = client.get("/api/search", {"q": "boombox"}).json()
    assert [applied["to"] for applied in after["understood"]["synonyms_applied"]] == ["speaker"]

    # importing the same file again changes nothing
    again = upload(admin_client, SYNONYMS_TXT.encode()).context["result"]
    assert (again.created, len(again.unchanged)) == ([], 3)


def test_a_file_that_is_not_text_is_refused_and_nothing_is_saved(admin_client, db):
    seeded = Synonym.objects.count()
    for content, fields, message in (
        ("tv, télé".encode("latin-1"), {}, "Not UTF-8 text"),
        (b"", {}, "Choose a file or paste the rules"),
        (b"tv, telly", {"weight": "3"}, "less than or equal to 1"),
    ):
        response = upload(admin_client, content, **fields)
        assert message in response.content.decode()
    assert Synonym.objects.count() == seeded
    pasted = upload(admin_client, b"", text="tv, telly\r\n# done").context["result"]
    assert pasted.created == ["tv, telly"]


def test_the_rules_of_a_locale_download_as_a_synonyms_file(admin_client, db):
    Synonym.objects.create(rule="tv, televisie", locale="nl")
    Synonym.objects.create(rule="laptop => notebook", locale="nl", enabled=False)
    Synonym.objects.create(rule="fernseher, tv", locale="de")

    response = admin_client.get("/admin/searchapp/synonym/download/", {"locale": "nl"})

    assert response["Content-Disposition"] == 'attachment; filename="synonyms-nl.txt"'
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("#") and lines[1:] == ["tv, televisie"]
    listing = admin_client.get("/admin/searchapp/synonym/").content.decode()
    assert "Import a synonyms file" in listing and "Download as a synonyms file" in listing
