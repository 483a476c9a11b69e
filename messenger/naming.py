"""How a message's sender is named where other people read it (the Telegram
support post, the push title): by the name and id the user is registered
with. The FIO a client claims with a message (sender_fio) is only a label,
marked as the client's word and kept on the same line, so a claim can neither
pass for the sender nor forge a line of its own. Cleaned here on the way out,
so events stored before input was checked are shown as safely as new ones."""

import unicodedata

MAX_SHOWN_CHARS = 200


def sender_line(user_id: str, registered_name: str, claimed_name: str = "") -> str:
    """`Вера Иванова (vera) — подпись: «…»`, on one line."""
    name, user = shown(registered_name), shown(user_id)
    line = f"{name} ({user})" if name else user
    # Quotes inside the label would blur where the client's word ends.
    label = shown(claimed_name).replace("«", '"').replace("»", '"')
    if label and label != name:
        line += f" — подпись: «{label}»"
    return line


def shown(text: str, max_chars: int = MAX_SHOWN_CHARS) -> str:
    """One line of text fit to show: line breaks, tabs and other separators
    become single spaces; control, format (bidi overrides, zero-width),
    surrogate and unassigned characters go; capped with "…"."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category[0] == "Z":
            kept.append(" ")
        elif category[0] != "C":
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= max_chars else line[:max_chars - 1] + "…"
