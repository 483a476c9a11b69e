"""Small real documents of each kind the server tells apart, made here so
that no binary sample lives in the repository."""

import io
import struct
import zipfile

from PIL import Image


def pdf() -> bytes:
    """A one-page PDF, as Pillow writes it."""
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, "PDF")
    return out.getvalue()


def ooxml(folder: str, part: str) -> bytes:
    """A .docx ("word", "document.xml"), .xlsx ("xl", "workbook.xml") or
    .pptx ("ppt", "presentation.xml"): a ZIP with the parts that name it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(f"{folder}/{part}", '<?xml version="1.0"?><document/>')
    return out.getvalue()


def docx() -> bytes:
    return ooxml("word", "document.xml")


def opendocument(mimetype: str) -> bytes:
    """An OpenDocument file: its `mimetype` entry first and stored, as ODF requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>',
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photos/1.txt", "one")
    return out.getvalue()


FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(*streams: str, directory_sectors: int = 2) -> bytes:
    """A compound file (MS-CFB, version 3: 512-byte sectors) whose directory
    holds a root and an empty stream of each name, spread over
    `directory_sectors` sectors chained through the FAT (sector 0), so the
    names past the first sector are found only by following the chain. The
    directory's sectors are written in reverse order, as a file edited in
    place may have them."""
    # The root's child is the first stream, each stream's right sibling the next.
    entries = [_directory_entry("Root Entry", 5, child=1 if streams else FREE)] + [
        _directory_entry(name, 2, right=n + 2 if n + 1 < len(streams) else FREE)
        for n, name in enumerate(streams)]
    entries += [b"\x00" * 128] * (-len(entries) % 4)  # unused entries fill the last sector
    sectors_needed = len(entries) // 4
    assert sectors_needed <= directory_sectors, "more streams than the directory's sectors hold"
    entries += [b"\x00" * 128] * (4 * (directory_sectors - sectors_needed))
    chain = list(range(directory_sectors, 0, -1))  # sector numbers, first to last
    fat = [FREE] * 128
    fat[0] = FAT_SECTOR
    for this, following in zip(chain, chain[1:] + [END_OF_CHAIN]):
        fat[this] = following
    sectors = {0: struct.pack("<128I", *fat)}
    for index, sector in enumerate(chain):
        sectors[sector] = b"".join(entries[4 * index:4 * index + 4])
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x00" * 16,
        0x3E, 3, 0xFFFE, 9, 6, b"\x00" * 6, 0, 1, chain[0], 0, 0x1000, END_OF_CHAIN, 0,
        END_OF_CHAIN, 0) + struct.pack("<109I", 0, *[FREE] * 108)
    return header + b"".join(sectors[n] for n in range(len(sectors)))


def _directory_entry(name: str, kind: int, child: int = FREE, right: int = FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, FREE, right, child,
                       b"\x00" * 16, 0, 0, 0, END_OF_CHAIN, 0)
