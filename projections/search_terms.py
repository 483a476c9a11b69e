"""What a user's search text means: its words, each as the beginning of a
word's forms, written as each store's query. Only letters and digits ever
reach a query, so nothing a user types is query syntax on either store.

PostgreSQL indexes Snowball stems (the `russian` configuration: Russian stems
for words, English for ASCII words, both without their stop words); SQLite
indexes whole words, with no stemmer. Both are asked for the same stems,
made here by the same Snowball stemmers PostgreSQL uses."""

import unicodedata
from typing import NamedTuple

import snowballstemmer

MAX_TEXT_CHARS = 200
MAX_WORDS = 10
SHORTEST_PREFIX = 3  # a stem shorter than this is matched whole, not as a beginning

# PostgreSQL's russian.stop and english.stop (Snowball's lists): words the
# `russian` configuration does not index, so not looked for on either store.
RUSSIAN_STOP_WORDS = frozenset(
    "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только"
    " ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни"
    " быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где"
    " есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж"
    " тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее"
    " сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше"
    " тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой"
    " перед иногда лучше чуть том нельзя такой им более всегда конечно всю между".split())
ENGLISH_STOP_WORDS = frozenset(
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself"
    " she her hers herself it its itself they them their theirs themselves what which who whom"
    " this that these those am is are was were be been being have has had having do does did"
    " doing a an the and but if or because as until while of at by for with about against"
    " between into through during before after above below to from up down in out on off over"
    " under again further then once here there when where why how all any both each few more"
    " most other some such no nor not only own same so than too very s t can will just don"
    " should now".split())

_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")


class Term(NamedTuple):
    """One word searched for (lower case, "ё" as "е"): its `stem`, as a
    beginning when `prefix`, else whole."""

    word: str
    stem: str
    prefix: bool


def words(text: str) -> list[str]:
    """The text's words as SQLite's unicode61 tokenizer cuts them: runs of
    letters, digits, combining marks and private-use characters; everything
    else separates."""
    found, current = [], []
    for char in text:
        if unicodedata.category(char)[0] in "LN" or unicodedata.category(char) in ("Mn", "Co"):
            current.append(char)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def terms(text: str) -> list[Term]:
    """The terms of a search, stop words left out (none left: nothing to find)."""
    found = []
    for word in words(text):
        term = _term(word.lower())
        if term is not None and term not in found:
            found.append(term)
    return found


def _term(word: str) -> Term | None:
    if word in (ENGLISH_STOP_WORDS if word.isascii() else RUSSIAN_STOP_WORDS):
        return None
    if not word.isalpha():  # numbers, and words with digits: as written
        return Term(word, word, False)
    word = word.replace("ё", "е")
    if word.isascii():
        stem = _ENGLISH.stemWord(word)
    else:
        # Snowball reads the "-сь" of some nouns as a verb's reflexive ending
        # ("запись" -> "зап", "записи" -> "запис"): the longer stem of the word
        # and of the word without its soft sign is the one that finds both.
        stem = max(_RUSSIAN.stemWord(word), _RUSSIAN.stemWord(word.removesuffix("ь")), key=len)
    stem = stem or word
    return Term(word, stem, len(stem) >= SHORTEST_PREFIX)


def fts5_query(found: list[Term]) -> str:
    """SQLite: every term, as quoted strings of letters and digits only (`*`:
    a beginning), and the word itself where its stem is not how it begins
    (English "happy" 'happi'); FTS5 folds case and Latin diacritics itself."""
    parts = []
    for term in found:
        options = [f'"{term.stem}"' + ("*" if term.prefix else "")]
        if not (term.word.startswith(term.stem) if term.prefix else term.word == term.stem):
            options.append(f'"{term.word}"')
        parts.append(options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")")
    return " AND ".join(parts)


def tsquery(found: list[Term]) -> str:
    """PostgreSQL, as tsquery text: every term; a beginning matches the stems
    that begin with it, and the shorter stems it begins with (Snowball stems
    some forms of a word shorter than others: "запись" 'зап', "записи" 'запис')."""
    parts = []
    for term in found:
        if not term.prefix:
            parts.append(_lexeme(term.stem))
            continue
        shorter = [_lexeme(term.stem[:n])
                   for n in range(max(SHORTEST_PREFIX, len(term.stem) - 2), len(term.stem))]
        parts.append("(" + " | ".join([_lexeme(term.stem) + ":*", *shorter]) + ")")
    return " & ".join(parts)


def _lexeme(stem: str) -> str:
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"
