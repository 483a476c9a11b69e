"""A file's type is told from its bytes, its name is kept as a label only,
and a download names it in a way every browser reads."""

import io
import random

import pytest
from PIL import Image

from messenger.uploads import sniffing
from messenger.uploads.intake import accept
from messenger.uploads.names import MAX_NAME_CHARS, ascii_name, clean, content_disposition
from tests.support import documents
from tests.uploads.test_uploads import MemoryStorage

NOISE = random.Random(17).randbytes(4096)
ODT = "application/vnd.oasis.opendocument.text"


def saved(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


TYPES = {  # what the bytes are: the type they are given
    "a PDF": (documents.pdf(), sniffing.PDF),
    "a PDF after some junk, as readers allow": (b"\r\n\r\n" + documents.pdf(), sniffing.PDF),
    "a Word document": (documents.docx(), sniffing.DOCX),
    "an Excel workbook": (documents.ooxml("xl", "workbook.xml"), sniffing.XLSX),
    "a PowerPoint deck": (documents.ooxml("ppt", "presentation.xml"), sniffing.PPTX),
    "an OpenDocument text": (documents.opendocument(ODT), ODT),
    "a ZIP whose mimetype entry names a type not on the list":
        (documents.opendocument("text/html"), sniffing.ZIP),
    "a ZIP of photos": (documents.plain_zip(), sniffing.ZIP),
    "a broken ZIP": (b"PK\x03\x04" + NOISE, sniffing.ZIP),
    "a legacy Word file": (documents.compound_file("WordDocument", "1Table"), sniffing.DOC),
    "a legacy Excel file, its stream in the directory's second sector":
        (documents.compound_file("\x05SummaryInformation", "a", "b", "Workbook"), sniffing.XLS),
    "a legacy PowerPoint file": (documents.compound_file("PowerPoint Document"), sniffing.PPT),
    "an Outlook message": (documents.compound_file("__substg1.0_0037001F"), sniffing.OLE),
    "a cut-off compound file": (documents.compound_file("WordDocument")[:600], sniffing.OLE),
    "RTF": (b"{\\rtf1\\ansi Hello}", "application/rtf"),
    "Russian text": ("Прайс-лист\nСтрижка;1500\n".encode(), sniffing.TEXT),
    "CSV with a byte order mark": ("\ufeffname,price\r\nA,1\r\n".encode(), sniffing.TEXT),
    "HTML, which must never run": (b"<html><script>alert(1)</script></html>", sniffing.TEXT),
    "SVG, which must never run": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
                                  sniffing.TEXT),
    "UTF-16 text (NULs)": ("текст".encode("utf-16"), sniffing.OCTET_STREAM),
    "text with a control byte": (b"abc\x01def", sniffing.OCTET_STREAM),
    "Latin-1 text, not UTF-8": ("café".encode("latin-1"), sniffing.OCTET_STREAM),
    "an unknown binary": (NOISE, sniffing.OCTET_STREAM),
    "gzip": (b"\x1f\x8b\x08\x00" + NOISE[:64], "application/gzip"),
    "a TIFF scan": (saved(Image.new("L", (8, 8)), "TIFF"), "image/tiff"),
    "a GIF": (saved(Image.new("P", (8, 8)), "GIF"), "image/gif"),
}


@pytest.mark.parametrize("what", TYPES)
def test_the_type_comes_from_the_bytes(what):
    data, content_type = TYPES[what]
    assert sniffing.sniff(data) == content_type


def test_only_pictures_that_decode_are_pictures():
    storage = MemoryStorage()
    gif = accept(TYPES["a GIF"][0], 10_000, storage, "кот.gif")
    assert (gif.kind, gif.content_type, gif.has_thumbnail) == ("image", "image/gif", True)
    scan = accept(TYPES["a TIFF scan"][0], 10_000, storage, "скан.tif")
    assert (scan.kind, scan.content_type, scan.has_thumbnail) == ("document", "image/tiff", False)
    fake = accept(b"\xff\xd8\xff\xe0" + NOISE, 10_000, storage, "photo.jpg")
    assert (fake.kind, fake.content_type, fake.name) == ("document", sniffing.OCTET_STREAM,
                                                         "photo.jpg")
    assert sorted(storage.files) == sorted([gif.sha256, gif.sha256 + ".thumb", scan.sha256,
                                            fake.sha256])


def test_a_client_that_names_nothing_gets_a_name_from_the_type():
    storage = MemoryStorage()
    assert accept(documents.pdf(), 10_000, storage).name == "file.pdf"
    assert accept(documents.pdf(), 10_000, storage, "../").name == "file.pdf"
    assert accept(NOISE, 10_000, storage).name == "file"
    assert accept(TYPES["a GIF"][0], 10_000, storage).name == "image.gif"


NAMES = {  # what a client sends: what is kept
    "Прайс-лист весна 2026.pdf": "Прайс-лист весна 2026.pdf",
    "../../etc/passwd": "passwd",
    "..\\..\\Windows\\win.ini": "win.ini",
    "/var/lib/messenger/uploads/" + "ab" * 32: "ab" * 32,
    "C:\\fakepath\\scan.tiff": "scan.tiff",
    "..": "",
    ".htaccess": "htaccess",
    "report.pdf.": "report.pdf",
    "  two\n lines\t.txt  ": "two lines .txt",
    "nul\x00and\x1bescape.txt": "nulandescape.txt",
    "invoice\u202efdp.exe": "invoicefdp.exe",  # shown as "invoiceexe.pdf" with the override
    "zero\u200bwidth.doc": "zerowidth.doc",
    "%2e%2e%2fsecret.txt": "%2e%2e%2fsecret.txt",  # decoded once, by HTTP: a label as it is
    "e\u0301te\u0301.txt": "\u00e9t\u00e9.txt",  # composed (NFC)
}


@pytest.mark.parametrize("given", NAMES)
def test_a_name_is_a_label_and_never_a_path(given):
    assert clean(given) == NAMES[given]


def test_a_long_name_is_cut_keeping_its_extension():
    kept = clean("Счёт_" * 100 + ".xlsx")
    assert len(kept) == MAX_NAME_CHARS and kept.endswith("Счёт_.xlsx")
    assert clean("Счёт " * 100 + ".xlsx").endswith("Счёт.xlsx")  # no space left before the dot
    assert len(clean("x" * 500)) == MAX_NAME_CHARS
    assert clean("a." + "b" * 300) == ("a." + "b" * 300)[:MAX_NAME_CHARS]  # no extension to keep


def test_a_download_names_the_file_in_utf_8_and_in_ascii():
    assert content_disposition("attachment", "report.pdf") == 'attachment; filename="report.pdf"'
    assert content_disposition("attachment", "Прайс-лист.pdf") == (
        "attachment; filename=\"Prays-list.pdf\"; filename*=UTF-8''"
        "%D0%9F%D1%80%D0%B0%D0%B9%D1%81-%D0%BB%D0%B8%D1%81%D1%82.pdf")
    assert content_disposition("inline", 'say "hi"; x=1.txt') == (
        "inline; filename=\"say _hi_; x=1.txt\"; filename*=UTF-8''say%20%22hi%22%3B%20x%3D1.txt")
    assert ascii_name("Объявление Ёлка.docx") == "Obyavlenie Elka.docx"
    assert ascii_name("Café №5.txt") == "Cafe No5.txt"
    assert ascii_name("日本.pdf") == "__.pdf"
