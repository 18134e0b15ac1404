"""Uploads that cannot lie: every upload of the project (a consent form's scan, a dossier
document, a supplier's leaflet and agreement) is checked by its whole structure (the PDF
parses, the image decodes), stored under an extension the app chose from what it verified,
and served as that type only. A request over its limit is refused while it streams in: at
its announced length before a byte is read, or at the byte that passes the limit."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import client as test_client
from django.urls import reverse
from django.utils import translation

from consents.models import Decision
from pupils import services as pupil_services
from pupils.models import Attachment
from schoolprivacy import uploads
from suppliers.models import Supplier
from sync.models import ImportRun
from tests import documents
from tests.consents.conftest import make_purpose
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


class CountingPayload(test_client.FakePayload):
    """The request body as the server hands it over, counting what the app reads of it."""

    made: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bytes_read = 0
        CountingPayload.made.append(self)

    def read(self, size=-1, /):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1, /):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line

    @property
    def total(self) -> int:
        return self.bytes_read + len(self)  # what was read, and what is left

    @classmethod
    def body(cls):
        """The body of the request just sent (the client makes an empty one on the side)."""
        return max(cls.made, key=lambda payload: payload.total)


@pytest.fixture
def counted(monkeypatch):
    """Every body the test client sends is counted as the app reads it."""
    monkeypatch.setattr(test_client, "FakePayload", CountingPayload)
    monkeypatch.setattr(CountingPayload, "made", [])
    return CountingPayload


@pytest.fixture
def agreement(world):  # noqa: F811
    return pupil_services.agreement_record(
        pupil=world.pupil,
        acting_user=world.users["teacher"],
        agreed_on=datetime.date(2026, 10, 1),
        participants="moeder, leerkracht",
        agreement="Elke vrijdag leesoefening mee naar huis.",
    )


# --- The three places a document is uploaded ------------------------------------------------


def post_scan(client, world, file):  # noqa: F811
    purpose = make_purpose(world.pupil.school, code=f"foto-{uuid.uuid4().hex[:6]}")
    return client.post(
        reverse("consents:paper_form", args=[world.pupil.pk]),
        {
            "purpose": purpose.pk,
            "choice": "given",
            "decided_by": world.users["parent"].pk,
            "form_date": "2026-09-01",
            "submission": uuid.uuid4(),
            "scan": file,
        },
    )


def post_document(client, world, agreement, file):  # noqa: F811
    return client.post(
        reverse("pupils:document_add", args=[world.pupil.pk, "agreement", agreement.pk]),
        {"title": "Verslag van de logopedist", "file": file},
    )


def post_leaflet(client, world, file):  # noqa: F811
    return client.post(
        reverse("suppliers:create"),
        {
            "name": "Rekentuin",
            "category": "learning_method",
            "processing_role": "processor",
            "agreement_status": "none",
            "storage_location": "eu",
            "schools": [world.pupil.school_id],
            "since": "2026-08-20",
            "leaflet_document": file,
        },
    )


PLACES = {
    # place: (who uploads, how, what is stored, the kinds it takes)
    "consent-scan": ("director", post_scan, Decision, {"pdf", "png", "jpg"}),
    "dossier-document": ("teacher", post_document, Attachment, {"pdf", "png", "jpg", "webp"}),
    "supplier-leaflet": ("privacy_officer", post_leaflet, Supplier, {"pdf"}),
}


def upload(place, world, login, agreement, file):  # noqa: F811
    role, post, _model, _kinds = PLACES[place]
    client = login(world.users[role])
    if place == "dossier-document":
        return post(client, world, agreement, file)
    return post(client, world, file)


LIARS = {
    # name: (uploaded name, content, the kind its first bytes claim)
    "pdf-header-then-html": ("poly.html", b"%PDF-1.4\n" + documents.HTML, "pdf"),
    "garbage-after-pdf-header": ("verslag.pdf", documents.garbage_after_pdf_header(), "pdf"),
    "truncated-pdf": ("verslag.pdf", documents.truncated_pdf(), "pdf"),
    "png-then-svg": ("plaatje.svg", documents.png_then_svg(), "png"),
    "truncated-jpeg": ("foto.jpg", documents.image("JPEG", (64, 64))[:300], "jpg"),
    "decompression-bomb": ("foto.png", documents.png_bomb(), "png"),
}


@pytest.mark.parametrize("liar", LIARS)
@pytest.mark.parametrize("place", PLACES)
def test_a_file_that_only_starts_like_a_document_is_refused_and_nothing_is_stored(
    world,  # noqa: F811
    login,  # noqa: F811
    agreement,
    media,
    place,
    liar,
):
    name, content, claims = LIARS[liar]
    _role, _post, model, kinds = PLACES[place]
    if place == "supplier-leaflet":
        name = "bijsluiter.pdf"  # past the extension check: only the content can refuse it
    response = upload(place, world, login, agreement, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Er is niets opgeslagen." in page
    if claims in kinds:
        assert "beschadigd" in page or "miljoen pixels" in page
    assert not model.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("place", "wrong"),
    [
        ("consent-scan", ("plaatje.webp", documents.image("WEBP"))),
        ("supplier-leaflet", ("bijsluiter.pdf", documents.image("PNG"))),
    ],
    ids=["webp-is-no-scan", "png-is-no-leaflet"],
)
def test_a_real_document_of_a_kind_the_place_does_not_take_is_refused(
    world,  # noqa: F811
    login,  # noqa: F811
    agreement,
    media,
    place,
    wrong,
):
    response = upload(place, world, login, agreement, SimpleUploadedFile(*wrong))
    assert response.status_code == 200
    assert "Er is niets opgeslagen." in response.content.decode()
    assert not PLACES[place][2].objects.exists()
    assert stored_files(media) == []


def assert_served_as(response, content_type: str, filename: str):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def content_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_a_real_pdf_named_html_is_stored_and_served_as_a_pdf_only(world, login, media):  # noqa: F811
    """The polyglot of the issue: a browser sniffing it would run its script. It is a real
    PDF, so it is kept, but as a PDF: stored as .pdf, downloaded as .pdf, never sniffed."""
    polyglot = documents.polyglot_pdf()
    client = login(world.users["director"])
    assert post_scan(client, world, SimpleUploadedFile("poly.html", polyglot)).status_code == 302
    decision = Decision.objects.get()
    assert decision.scan.name.startswith("consents/forms/")
    assert decision.scan.name.endswith(".pdf") and "poly" not in decision.scan.name
    response = client.get(reverse("consents:paper_scan", args=[decision.pk]))
    assert_served_as(response, "application/pdf", f"toestemmingsformulier-{decision.pk}.pdf")
    assert content_of(response) == polyglot


def test_an_image_with_an_svg_behind_it_is_kept_only_as_the_image_it_is(
    world,  # noqa: F811
    login,  # noqa: F811
    agreement,
):
    png = documents.image("PNG") + documents.SVG
    client = login(world.users["director"])
    assert post_scan(client, world, SimpleUploadedFile("plaatje.svg", png)).status_code == 302
    decision = Decision.objects.get()
    assert decision.scan.name.endswith(".png")
    response = client.get(reverse("consents:paper_scan", args=[decision.pk]))
    assert_served_as(response, "image/png", f"toestemmingsformulier-{decision.pk}.png")

    teacher = login(world.users["teacher"])
    jpeg = documents.image("JPEG")
    assert (
        post_document(teacher, world, agreement, SimpleUploadedFile("x.svg", jpeg)).status_code
        == 302
    )
    attachment = Attachment.objects.get()
    assert attachment.kind == "jpg"
    response = teacher.get(reverse("pupils:document", args=[world.pupil.pk, attachment.uid]))
    assert_served_as(response, "image/jpeg", attachment.filename)
    assert attachment.filename.endswith(".jpg")


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_a_dossier_takes_each_image_kind_it_names(world, login, agreement, kind):  # noqa: F811
    client = login(world.users["teacher"])
    file = SimpleUploadedFile("foto", documents.image(kind))
    assert post_document(client, world, agreement, file).status_code == 302
    assert Attachment.objects.get().kind == {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[kind]


def test_a_suppliers_document_is_stored_under_a_name_the_app_chose(world, login, media):  # noqa: F811
    client = login(world.users["privacy_officer"])
    leaflet = documents.pdf()
    response = post_leaflet(
        client, world, SimpleUploadedFile("Rekentuin bijsluiter 2026.pdf", leaflet)
    )
    assert response.status_code == 302
    supplier = Supplier.objects.get()
    name = supplier.leaflet_document.name
    assert name.startswith("suppliers/leaflets/") and name.endswith(".pdf")
    assert "Rekentuin" not in name
    response = client.get(reverse("suppliers:document", args=[supplier.pk, "leaflet"]))
    assert_served_as(response, "application/pdf", f"privacybijsluiter-{supplier.pk}.pdf")
    assert content_of(response) == leaflet


def test_a_supplier_takes_its_leaflet_and_its_agreement_in_one_form(world, login, media):  # noqa: F811
    """Two files of up to 10 MB each: the supplier form may receive both."""
    client = login(world.users["privacy_officer"])
    leaflet = SimpleUploadedFile("bijsluiter.pdf", documents.pdf(comment=b"x" * (9 * MB)))
    agreement = SimpleUploadedFile("overeenkomst.pdf", documents.pdf(comment=b"y" * (9 * MB)))
    response = client.post(
        reverse("suppliers:create"),
        {
            "name": "Rekentuin",
            "category": "learning_method",
            "processing_role": "processor",
            "agreement_status": "signed",
            "storage_location": "eu",
            "schools": [world.pupil.school_id],
            "since": "2026-08-20",
            "leaflet_document": leaflet,
            "agreement_document": agreement,
        },
    )
    assert response.status_code == 302
    supplier = Supplier.objects.get()
    assert supplier.leaflet_document.size > 9 * MB and supplier.agreement_document.size > 9 * MB


def test_a_file_stored_before_the_check_is_served_as_bytes_never_as_a_page(world, login, media):  # noqa: F811
    """A scan that an earlier version stored as <uuid>.html is not served as a web page."""
    purpose = make_purpose(world.pupil.school)
    director = world.users["director"]
    decision = Decision.objects.create(
        pupil=world.pupil,
        purpose=purpose,
        version=purpose.versions.get(),
        choice="given",
        decided_by=world.users["parent"],
        decider_role="parent",
        decided_at=datetime.datetime(2026, 9, 1, 10, tzinfo=datetime.UTC),
        channel="paper",
        recorded_by=director,
    )
    # As an earlier version stored it: a random name with the uploader's extension.
    decision.scan.name = default_storage.save(
        f"consents/forms/{uuid.uuid4().hex}.html", ContentFile(b"%PDF-1.4\n" + documents.HTML)
    )
    decision.save(update_fields=["scan"])
    response = login(director).get(reverse("consents:paper_scan", args=[decision.pk]))
    assert_served_as(
        response, "application/octet-stream", f"toestemmingsformulier-{decision.pk}.bin"
    )


# --- Size: refused while it streams in -----------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
def test_a_60_mb_upload_is_refused_before_it_is_read(
    world,  # noqa: F811
    login,  # noqa: F811
    agreement,
    media,
    counted,
    place,
):
    big = SimpleUploadedFile("groot.pdf", documents.pdf() + b"0" * (60 * MB))
    response = upload(place, world, login, agreement, big)
    assert response.status_code == 413
    page = response.content.decode()
    assert "groter dan 10 MB" in page and "Er is niets opgeslagen." in page
    body = counted.body()
    assert body.total > 60 * MB
    assert body.bytes_read == 0  # refused on its announced length
    assert not PLACES[place][2].objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("place", PLACES)
def test_a_file_over_the_limit_is_dropped_at_the_chunk_that_passes_it(
    world,  # noqa: F811
    login,  # noqa: F811
    agreement,
    media,
    counted,
    place,
):
    """Within what the page may receive in all (its files and its fields), one file passes
    10 MB: the app stops reading there, and nothing is stored."""
    file = SimpleUploadedFile("groot.pdf", documents.pdf() + b"0" * (uploads.MAX_UPLOAD + MB))
    response = upload(place, world, login, agreement, file)
    assert response.status_code == 413
    assert "groter dan 10 MB" in response.content.decode()
    body = counted.body()
    assert uploads.MAX_UPLOAD < body.bytes_read <= uploads.MAX_UPLOAD + 256 * 1024 < body.total
    assert not PLACES[place][2].objects.exists()
    assert stored_files(media) == []


def test_the_refusal_speaks_the_language_the_user_chose(world, login, agreement, counted):  # noqa: F811
    client = login(world.users["teacher"])
    client.cookies["django_language"] = "en"
    big = SimpleUploadedFile("big.pdf", b"0" * (11 * MB))
    response = post_document(client, world, agreement, big)
    assert response.status_code == 413
    page = response.content.decode()
    assert "larger than 10 MB" in page and "Nothing was stored." in page
    assert reverse("pupils:document_add", args=[world.pupil.pk, "agreement", agreement.pk]) in (
        page
    )


def test_a_page_that_takes_no_file_refuses_one(world, login, counted):  # noqa: F811
    client = login(world.users["director"])
    response = client.post(
        reverse("pupils:detail", args=[world.pupil.pk]),
        {"file": SimpleUploadedFile("x.pdf", documents.pdf())},
    )
    assert response.status_code == 413
    assert "Er is niets opgeslagen." in response.content.decode()


def test_a_parents_export_over_10_mb_reaches_the_import_whole(world, login):  # noqa: F811
    """The export of a whole board is larger than a document: the import takes its own limit
    (sync/services.py MAX_BYTES), and the file arrives whole, not cut at 10 MB."""
    header = "Leerlingnummer;Roepnaam;Achternaam;E-mail\n"
    row = "L9;Anna;Vries;anna@example.org\n"
    content = (header + row * (11 * MB // len(row))).encode()
    file = io.BytesIO(content)
    file.name = "verzorgers.csv"
    client = login(world.users["administrator"])
    response = client.post(
        reverse("sync:parents"), {"school": world.pupil.school.pk, "file": file}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.MAPPING, run.counts


@pytest.mark.parametrize("url", ["sync:index", "sync:parents"])
def test_an_export_that_is_a_web_page_is_refused_and_not_kept(world, login, url):  # noqa: F811
    page = b'<html lang="nl"><head><title>Leerlingen;ouders</title></head><body>a;b</body></html>'
    file = io.BytesIO(page)
    file.name = "EDEX.XML" if url == "sync:index" else "verzorgers.csv"
    client = login(world.users["administrator"])
    client.post(reverse(url), {"school": world.pupil.school.pk, "file": file})
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED
    assert run.pending_file is None and not run.lines.exists()


# --- The check itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (documents.pdf(), "pdf"),
        (documents.polyglot_pdf(), "pdf"),
        (documents.pdf(version=b"1.7"), "pdf"),
        (documents.image("PNG"), "png"),
        (documents.image("JPEG"), "jpg"),
        (documents.image("WEBP"), "webp"),
    ],
)
def test_a_whole_document_is_known_by_its_structure(content, kind):
    upload = uploads.verified_upload("file", SimpleUploadedFile("x.html", content))
    assert upload.kind == kind
    assert upload.content == content
    assert upload.as_file().name.endswith(f".{kind}")  # the app's extension, not .html


def test_a_pdf_with_a_password_is_refused_in_words():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="geheim", owner_password="eigenaar")
    buffer = io.BytesIO()
    writer.write(buffer)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.verified_upload("file", SimpleUploadedFile("x.pdf", buffer.getvalue()))
    assert "password" in refused.value.message_dict["file"][0]
