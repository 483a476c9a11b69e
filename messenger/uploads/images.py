"""What kind of picture some bytes are, and a small JPEG of them."""

import io

from PIL import Image, ImageOps

from messenger.uploads import budget

try:  # optional: lets Pillow decode HEIC (iPhone photos)
    from pillow_heif import register_heif_opener
except ImportError:
    pass
else:
    register_heif_opener()

JPEG, PNG, WEBP, HEIC, GIF = "image/jpeg", "image/png", "image/webp", "image/heic", "image/gif"

# Pillow's format name for each content type we accept; opening with only that
# format stops a file sniffed as one type being decoded as another.
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", HEIC: "HEIF", GIF: "GIF"}

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"heif", b"mif1", b"msf1"}
# AVIF files also list mif1/msf1; we do not claim them as HEIC.
AVIF_BRANDS = {b"avif", b"avis"}

MAX_PIXELS = 40_000_000  # the default of [limits] max_image_pixels
REDUCING_GAP = 2  # shrink by whole factors to twice the thumbnail, then resample
TILE_PX = 256


class TooManyPixelsError(ValueError):
    """The header names more pixels than we decode."""


def sniff(data: bytes) -> str | None:
    """The content type by magic bytes; never by the name or type a client sent."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
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


def thumbnail(data: bytes, max_px: int, max_pixels: int = MAX_PIXELS) -> bytes | None:
    """A JPEG at most max_px on each side, upright; None when the bytes do not
    decode as the image type they claim to be. Raises TooManyPixelsError, having
    read only the header, when the image has more than max_pixels or would take
    more than budget.BUDGET_BYTES to decode."""
    content_type = sniff(data)
    if not decodable(content_type):
        return None
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as image:
            return _thumbnail(image, data, content_type, max_px, max_pixels)
    except Image.DecompressionBombError as error:  # Pillow's own, far higher, limit
        raise TooManyPixelsError(str(error)) from None
    except TooManyPixelsError:
        raise
    except Exception:
        # Hostile or broken data makes decoders raise all sorts (OSError,
        # SyntaxError, struct.error...): all mean invalid.
        return None


def _thumbnail(image: Image.Image, data: bytes, content_type: str, max_px: int,
               max_pixels: int) -> bytes:
    pixels = image.width * image.height  # from the header: nothing is decoded yet
    if pixels > max_pixels:
        raise TooManyPixelsError(f"the image has {pixels} pixels, more than {max_pixels}")
    scale = min(1.0, max_px / max(image.size))
    size = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    held = budget.coefficient_bytes(image, data)
    if budget.may_draft(image):
        # JPEG decodes at 1/2 to 1/8 scale, HEIC an embedded thumbnail, either
        # still at least the thumbnail's size; other types ignore it.
        image.draft(None, size)
    if held + budget.decoded_bytes(image) > budget.BUDGET_BYTES:
        raise TooManyPixelsError(f"the image has {pixels} pixels: too many to decode as "
                                 f"{content_type} within {budget.BUDGET_BYTES // 2**20} MiB")
    image.load()  # decodes all of it: truncation shows here
    factor = (max(1, image.width // (size[0] * REDUCING_GAP)),
              max(1, image.height // (size[1] * REDUCING_GAP)))
    small = _reduced(image, factor).resize(size, Image.Resampling.BICUBIC)
    small.info = dict(image.info)  # where exif_transpose finds the orientation
    out = io.BytesIO()
    ImageOps.exif_transpose(small).save(out, "JPEG", quality=80)
    return out.getvalue()


def _reduced(image: Image.Image, factor: tuple[int, int]) -> Image.Image:
    """The image flattened to RGB and shrunk by whole factors, a tile at a time:
    done to the whole image at once, flattening and the premultiplied copy that
    reduce() makes of RGBA would each take as much memory again as the image."""
    fx, fy = factor
    tile_w, tile_h = max(1, TILE_PX // fx) * fx, max(1, TILE_PX // fy) * fy
    out = Image.new("RGB", (-(-image.width // fx), -(-image.height // fy)))
    for top in range(0, image.height, tile_h):
        for left in range(0, image.width, tile_w):
            tile = image.crop((left, top, min(left + tile_w, image.width),
                               min(top + tile_h, image.height)))
            out.paste(_flatten(tile).reduce(factor), (left // fx, top // fy))
    return out


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG, with transparency shown as white rather than black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba)  # the alpha band as the mask: over white
        return flat
    return image.convert("RGB")
