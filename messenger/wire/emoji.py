"""What a reaction may be: one emoji, made as Unicode's emoji sequences are
(UTS #51): a pictograph (Extended_Pictographic), with its presentation
selector, a skin tone or tags; such pictographs joined by ZWJ (👨‍👩‍👧);
a flag of two regional indicators (🇷🇺); or a keycap (1️⃣). It is one
grapheme cluster of at most MAX_CODE_POINTS. Text is refused: letters,
digits, punctuation, spaces, two emoji, or a pictograph with a combining mark."""

import regex

# 64 bytes of UTF-8; the longest emoji in use (a kiss with two skin tones) has 10.
MAX_CODE_POINTS = 16

_PICTOGRAPH = (r"\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]{0,2}"
               r"(?:[\U000E0020-\U000E007E]+\U000E007F)?")  # tags: 🏴 of a subdivision
_EMOJI = regex.compile(
    rf"(?:{_PICTOGRAPH}(?:\u200D{_PICTOGRAPH})*"
    r"|\p{Regional_Indicator}{2}"
    r"|[0-9#*]\uFE0F?\u20E3)")
_GRAPHEME = regex.compile(r"\X")


def is_emoji(text: str) -> bool:
    return (0 < len(text) <= MAX_CODE_POINTS and _EMOJI.fullmatch(text) is not None
            and _GRAPHEME.fullmatch(text) is not None)
