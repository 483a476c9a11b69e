"""A file's name, as it comes in with an upload and as it goes out in a
download's Content-Disposition (RFC 6266). The name is only ever a label:
never a path, never the file's type."""

import re
import unicodedata
from urllib.parse import quote

MAX_NAME_CHARS = 200
MAX_EXTENSION_CHARS = 16  # kept whole when a long name is cut

# Old clients read only the ASCII `filename`: Cyrillic is spelled out there
# (the server's users write Russian), anything else becomes "_".
CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split()))


def clean(name: str) -> str:
    """What is kept of a client's file name: its last path part, line breaks
    and tabs as spaces, without control or format characters (no right-to-left
    override that shows "fdp.exe" as "exe.pdf"), trimmed of spaces and dots,
    at most MAX_NAME_CHARS with its extension kept. "" when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = " ".join(name.split())  # line breaks, tabs and runs of spaces as one space
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = name.strip(" .")  # no hidden files, no "." or "..", no trailing dot (Windows)
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= MAX_EXTENSION_CHARS:
            name = stem[:MAX_NAME_CHARS - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_CHARS].rstrip()
    return name


def content_disposition(disposition: str, name: str) -> str:
    """`inline` or `attachment`, with the name twice: `filename*` in UTF-8
    (RFC 5987, which every current browser reads) and an ASCII `filename`."""
    fallback = ascii_name(name)
    if fallback == name:
        return f'{disposition}; filename="{fallback}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def ascii_name(name: str) -> str:
    """The name in printable ASCII, for a quoted-string: accents dropped,
    Cyrillic spelled in Latin letters, quotes and backslashes as "_"."""
    spelled = []
    for char in unicodedata.normalize("NFC", name):
        lower = char.lower()
        if lower in CYRILLIC:  # before decomposing: й is not и with a breve here
            latin = CYRILLIC[lower].replace("-", "")
            spelled.append(latin.capitalize() if char != lower else latin)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part):
                continue
            spelled.append(part if " " <= part <= "~" and part not in '"\\' else "_")
    return "".join(spelled) or "file"
