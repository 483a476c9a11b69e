"""What kind of image some bytes are, and a small JPEG of them."""

import io

from PIL import Image, ImageOps

try:  # optional: lets Pillow decode HEIC (iPhone photos)
    from pillow_heif import register_heif_opener
except ImportError:
    pass
else:
    register_heif_opener()

JPEG, PNG, WEBP, HEIC = "image/jpeg", "image/png", "image/webp", "image/heic"

# Pillow's format name for each content type we accept; opening with only that
# format stops a file sniffed as one type being decoded as another.
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", HEIC: "HEIF"}

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"heif", b"mif1", b"msf1"}
# AVIF files also list mif1/msf1; we do not claim them as HEIC.
AVIF_BRANDS = {b"avif", b"avis"}


def sniff(data: bytes) -> str | None:
    """The content type by magic bytes; never by the name or type a client sent."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _heic_brands(data) & HEIC_BRANDS and not _heic_brands(data) & AVIF_BRANDS:
        return HEIC
    return None


def _heic_brands(data: bytes) -> set[bytes]:
    """The major and compatible brands of a leading ISO BMFF 'ftyp' box."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return set()
    box_size = int.from_bytes(data[:4], "big")
    end = min(box_size, len(data)) if box_size >= 16 else 16
    compatible = data[16:end]
    return {data[8:12]} | {compatible[i:i + 4] for i in range(0, len(compatible) - 3, 4)}


def decodable(content_type: str) -> bool:
    """Whether this Pillow can decode the type (HEIC needs pillow-heif)."""
    Image.init()
    return PILLOW_FORMATS.get(content_type) in Image.OPEN


def thumbnail(data: bytes, max_px: int) -> bytes | None:
    """A JPEG at most max_px on each side, upright; None when the bytes do not
    decode as the image type they claim to be, or decode to absurdly many pixels."""
    content_type = sniff(data)
    if not decodable(content_type):
        return None
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as image:
            # Pillow raises DecompressionBombError only past twice this limit
            # and merely warns below it; a photo never comes near it.
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                return None
            image.thumbnail((max_px, max_px))  # decodes all of it: truncation shows here
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            _flatten(image).save(out, "JPEG", quality=80)
            return out.getvalue()
    except Exception:
        # Hostile or broken data makes decoders raise all sorts (OSError,
        # SyntaxError, DecompressionBombError, struct.error...): all mean invalid.
        return None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG, with transparency shown as white rather than black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
