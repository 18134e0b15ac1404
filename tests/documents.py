"""Small real documents for upload tests, and the lying ones the uploads must refuse.

Every real one is whole: a PDF with its cross-reference table, images that decode. The
lying ones start like a real document and are something else behind the first bytes.
"""

import io
import struct
import zlib

from PIL import Image

HTML = b"<html><body><script>alert(document.domain)</script></body></html>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)">'
    b"<script>alert(1)</script></svg>"
)


def pdf(*, comment: bytes = b"", version: bytes = b"1.4") -> bytes:
    """A one-page PDF with a correct cross-reference table; *comment* (a PDF comment, so
    still a valid PDF) goes right after the header."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    ]
    out = bytearray(b"%PDF-" + version + b"\n")
    if comment:
        out += b"%" + comment + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def polyglot_pdf() -> bytes:
    """A real PDF that a browser sniffing its first bytes would run as HTML."""
    return pdf(comment=HTML)


def garbage_after_pdf_header() -> bytes:
    """%PDF-1.4, then bytes that are no PDF, then an end-of-file marker."""
    return b"%PDF-1.4\n" + HTML + bytes(range(256)) * 8 + b"\n%%EOF\n"


def truncated_pdf() -> bytes:
    whole = pdf()
    return whole[: len(whole) // 2]


def image(kind: str = "PNG", size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_then_svg() -> bytes:
    """A PNG signature, header and end chunk around an SVG: only the frame is a PNG."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return PNG_SIGNATURE + header + SVG + _chunk(b"IEND", b"")


def png_bomb(side: int = 10_000) -> bytes:
    """A small file that claims side × side pixels: decoding it would take gigabytes."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
    data = _chunk(b"IDAT", zlib.compress(b"\x00" * (side * 3 + 1) * 4))
    return PNG_SIGNATURE + header + data + _chunk(b"IEND", b"")
