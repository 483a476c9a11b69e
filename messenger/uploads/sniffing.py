"""What type a file is, told from its bytes alone: the name and type a client
sends are its word, and a type taken from them could make a browser run a
file. Pictures are told apart in images.py; this is everything else."""

import io
import re
import struct
import zipfile

from messenger.uploads import images

OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain"
PDF = "application/pdf"
ZIP = "application/zip"
OLE = "application/x-ole-storage"  # a legacy Office container we cannot tell further
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"

PREFIXES = (  # (magic at the start, type), first match wins
    (b"{\\rtf", "application/rtf"),  # before text: RTF is ASCII too
    (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),  # scans; no thumbnail of them
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
)
PDF_MAGIC, PDF_LOOKS_WITHIN = b"%PDF-", 1024  # readers accept junk before it, as here
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# OOXML: the folder of the main part. OpenDocument and EPUB: the `mimetype`
# entry names the type, taken only from this list (never echoed as sent).
OOXML_FOLDERS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
ZIP_MIMETYPES = frozenset((
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.graphics", "application/epub+zip"))
OLE_STREAMS = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS, "PowerPoint Document": PPT}

# Bytes no text file holds: the C0 controls but tab, line breaks, form feed and escape.
NOT_TEXT = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")

# Extensions for a file the client did not name.
EXTENSIONS = {images.JPEG: ".jpg", images.PNG: ".png", images.WEBP: ".webp", images.HEIC: ".heic",
              images.GIF: ".gif", "image/tiff": ".tif", PDF: ".pdf", TEXT: ".txt",
              "application/rtf": ".rtf", ZIP: ".zip", DOCX: ".docx", XLSX: ".xlsx",
              PPTX: ".pptx", DOC: ".doc", XLS: ".xls", PPT: ".ppt",
              "application/vnd.oasis.opendocument.text": ".odt",
              "application/vnd.oasis.opendocument.spreadsheet": ".ods",
              "application/vnd.oasis.opendocument.presentation": ".odp",
              "application/vnd.oasis.opendocument.graphics": ".odg",
              "application/epub+zip": ".epub", "application/gzip": ".gz",
              "application/x-7z-compressed": ".7z", "application/vnd.rar": ".rar"}


def sniff(data: bytes) -> str:
    """The content type; application/octet-stream for what we do not know."""
    picture = images.sniff(data)
    if picture is not None:
        return picture
    for magic, content_type in PREFIXES:
        if data.startswith(magic):
            return content_type
    if PDF_MAGIC in data[:PDF_LOOKS_WITHIN]:
        return PDF
    if data.startswith(ZIP_MAGIC):
        return _zip_type(data)
    if data.startswith(OLE_MAGIC):
        return _ole_type(data)
    if _is_text(data):
        return TEXT
    return OCTET_STREAM


def _is_text(data: bytes) -> bool:
    """UTF-8 (ASCII included) without controls: HTML and SVG are text too, and
    served as text/plain they run nowhere."""
    if NOT_TEXT.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _zip_type(data: bytes) -> str:
    """Office files are ZIP archives; which one, their entries say. Reads the
    central directory and at most 100 bytes of one entry, whatever the archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                if declared in ZIP_MIMETYPES:
                    return declared
            if "[Content_Types].xml" in names:
                for folder, content_type in OOXML_FOLDERS.items():
                    if any(name.startswith(folder) for name in names):
                        return content_type
    except Exception:  # a broken or hostile archive (BadZipFile, encrypted, ...) is a ZIP still
        pass
    return ZIP


def _ole_type(data: bytes) -> str:
    """Legacy Word, Excel and PowerPoint files are compound files (MS-CFB);
    the stream names in the directory tell which."""
    try:
        names = set(_ole_names(data))
    except (struct.error, ValueError, IndexError):
        return OLE
    return next((OLE_STREAMS[name] for name in OLE_STREAMS if name in names), OLE)


def _ole_names(data: bytes):
    """The directory's entry names: the directory's chain of sectors followed
    through the FAT sectors the header lists (109 of them: files of 7 MiB at
    512-byte sectors, more at 4,096), each sector read once at most."""
    shift, = struct.unpack_from("<H", data, 0x1E)
    if shift not in (9, 12):
        raise ValueError("not a compound file's sector size")
    size = 1 << shift
    fat_sectors = [sector for sector in struct.unpack_from("<109I", data, 0x4C)
                   if sector < 0xFFFFFFFA]
    fat = b"".join(data[(sector + 1) * size:(sector + 2) * size] for sector in fat_sectors)
    seen: set[int] = set()
    sector, = struct.unpack_from("<I", data, 0x30)
    while sector < 0xFFFFFFFA and sector not in seen:
        seen.add(sector)
        start = (sector + 1) * size
        for entry in range(start, min(start + size, len(data)) - 127, 128):
            length, = struct.unpack_from("<H", data, entry + 0x40)
            if 2 <= length <= 64:
                yield data[entry:entry + length - 2].decode("utf-16-le", "replace")
        sector, = struct.unpack_from("<I", fat, sector * 4)
