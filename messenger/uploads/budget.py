"""What decoding an image will hold in memory, told from its header alone, so
that an image too costly to decode is refused before any of it is decoded."""

from PIL import Image

# Held per decoded pixel, by Pillow format (measured: tests/uploads/test_image_budget.py):
# Pillow keeps most modes in 4 bytes a pixel, a GIF's first frame in one (its
# palette index; 2 leaves room); libheif decodes into buffers of its own first
# (and an alpha plane apart), libwebp into three.
BYTES_PER_PIXEL = {"JPEG": 4, "MPO": 4, "PNG": 4, "WEBP": 16, "HEIF": 10, "GIF": 2}
# With the tiles and the thumbnail on top, one upload stays under 100 MiB.
BUDGET_BYTES = 88 * 2**20


def decoded_bytes(image: Image.Image) -> int:
    """What loading the image at its present size (after draft) holds."""
    return image.width * image.height * BYTES_PER_PIXEL[image.format]


def may_draft(image: Image.Image) -> bool:
    """pillow-heif's draft() decodes an embedded thumbnail there and then: let
    it only when each one it might choose (info lists their larger sides) fits."""
    boxes = (image.info.get("thumbnails") or []) if image.format == "HEIF" else []
    return all(box * box * BYTES_PER_PIXEL["HEIF"] <= BUDGET_BYTES for box in boxes)


def coefficient_bytes(image: Image.Image, data: bytes) -> int:
    """libjpeg holds every DCT coefficient of the image at once, 2 bytes each
    and whatever the draft scale, when the JPEG is progressive or its first
    scan lacks a component. Call it before draft(), at the header's size."""
    if image.format not in ("JPEG", "MPO"):
        return 0
    components = image.layer  # (id, h sampling, v sampling, table), from the frame header
    if not image.info.get("progressive") and _first_scan_components(data) >= len(components):
        return 0
    h_max = max(h for _, h, _, _ in components)
    v_max = max(v for _, _, v, _ in components)
    # Whole 8x8 blocks of whole MCUs: up to 8 samples a sampling step more.
    return sum(2 * (image.width * h // h_max + 8 * h) * (image.height * v // v_max + 8 * v)
               for _, h, v, _ in components)


def _first_scan_components(data: bytes) -> int:
    """How many components the first scan (SOS) of a JPEG holds; 0 when its
    markers cannot be followed, which counts as the costly case."""
    at = 2  # past SOI
    while at + 4 < len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # a fill byte
            at += 1
        elif marker == 0xDA:
            return data[at + 4]
        elif 0xD0 <= marker <= 0xD8 or marker == 0x01:  # markers without a length
            at += 2
        else:
            at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return 0
