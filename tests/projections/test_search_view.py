"""The search index on each store, through the real Messenger: a view made
before it existed gets it on the next start, long messages are shown around
the word found, the words' forms meet; and the query language on its own."""

import re

import pytest

from domain.application import Messenger
from messenger.store.settings import is_postgres, persistence_env
from projections.inbox_search import EXCERPT_CHARS, excerpt_of
from projections.search_terms import Term, fts5_query, terms, tsquery


def found(view, user: str, text: str, **options) -> list[str]:
    return [hit.message.content for hit in view.search_messages(user, terms(text), **options).hits]


def test_a_view_made_before_search_existed_is_indexed_on_the_next_start(app, view, database_url):
    group = app.create_chat("anna", ["boris", "vera"], "Салон").id
    app.post_message(group, "boris", "Записи на завтра перенесли")
    edited = app.post_message(group, "vera", "Клиентка опоздает").id
    with view.datastore.transaction(commit=True) as c:  # the view as an older version left it
        if is_postgres(database_url):
            c.execute("DROP INDEX inbox_messages_search")
        else:
            for trigger in ("inbox_search_gone", "inbox_search_changed"):
                c.execute(f"DROP TRIGGER {trigger}")
            c.execute("DROP TABLE inbox_search")
    upgraded = Messenger(persistence_env(database_url))  # makes what is missing
    try:
        again = upgraded.recorder.inbox.view
        assert found(again, "anna", "запись") == ["Записи на завтра перенесли"]
        upgraded.edit_message("vera", edited, "Мастер опоздает")
        assert found(again, "anna", "клиентка") == []
        assert found(again, "anna", "мастера") == ["Мастер опоздает"]
        upgraded.post_message(group, "anna", "Новая запись")
        assert found(again, "anna", "запись") == ["Новая запись", "Записи на завтра перенесли"]
    finally:
        upgraded.close()


def test_a_long_message_is_shown_around_the_first_word_found(app, view):
    chat = app.create_chat("anna", ["boris"], "").id
    text = "Напоминаю всем: " + "очень длинное вступление " * 20 + "запись клиента на 10:00, " \
           + "и ещё много слов после " * 10
    app.post_message(chat, "boris", text)
    [hit] = view.search_messages("anna", terms("записи клиентов")).hits
    assert hit.message.content == text
    assert hit.excerpt.startswith("…") and hit.excerpt.endswith("…")
    assert text[text.index(hit.excerpt[1:40]) - 1] == " "  # cut where a word begins
    assert len(hit.excerpt) <= EXCERPT_CHARS + 2
    assert [hit.excerpt[start:end] for start, end in hit.highlights] == ["запись", "клиента"]


def test_forms_and_spellings_of_a_word_meet(app, view):
    chat = app.create_chat("anna", ["boris"], "").id
    for content in ("Ёлка в холле", "Happy birthday", "Оплатила по карте", "номер 42"):
        app.post_message(chat, "boris", content)
    assert found(view, "anna", "ЕЛКУ") == ["Ёлка в холле"]
    assert found(view, "anna", "оплата карта") == ["Оплатила по карте"]
    assert found(view, "anna", "happy") == ["Happy birthday"]
    assert found(view, "anna", "42") == ["номер 42"]
    assert found(view, "anna", "4") == []  # a number is matched whole


def test_a_search_sees_only_the_members_chats_and_pages_through_them(app, view):
    mine = app.create_chat("anna", ["boris"], "").id
    theirs = app.create_chat("boris", ["vera"], "").id
    for n in range(5):
        app.post_message(mine, "boris", f"смена {n}")
    app.post_message(theirs, "vera", "смена у Веры")
    page = view.search_messages("anna", terms("смены"), limit=3)
    assert [hit.message.content for hit in page.hits] == ["смена 4", "смена 3", "смена 2"]
    rest = view.search_messages("anna", terms("смены"), limit=3, before=page.next)
    assert ([hit.message.content for hit in rest.hits], rest.next) == (["смена 1", "смена 0"], None)
    assert found(view, "vera", "смена") == ["смена у Веры"]
    assert found(view, "vera", "смена", chat_id=str(mine)) == []


# --- the query language, no store -------------------------------------------------

def test_the_words_searched_for_are_stems_without_stop_words():
    assert terms("Запись на стрижку и еще раз запись") == [
        Term("запись", "запис", True), Term("стрижку", "стрижк", True)]
    assert terms("и на в") == [] and terms("!!!") == []
    assert terms("№42") == [Term("42", "42", False)]


@pytest.mark.parametrize("text", ['a"b', "x OR y", "NEAR(a b)", "col:word", "^a* -b",
                                  "'; DROP TABLE x; --",
                                  "o\\'k \\\\x", "{a b}", "a\u0301b c"])
def test_only_letters_and_digits_reach_a_query(text):
    letters = re.compile(r"([^\W_]|\u0301)+")
    assert terms(text) and all(letters.fullmatch(term.stem) for term in terms(text))
    # SQLite: quoted strings, AND, OR, * and brackets; PostgreSQL: quoted lexemes, & | :* ()
    assert re.fullmatch(r'(\(?"[^"]+"\*?( OR "[^"]+")?\)?( AND )?)+', fts5_query(terms(text)))
    assert re.fullmatch(r"(\(?'[^']+'(:\*)?( \| '[^']+')*\)?( & )?)+", tsquery(terms(text)))


def test_an_excerpt_has_no_highlights_when_the_marks_do_not_fit_the_text():
    assert excerpt_of("abc", "\x01abcd\x02") == ("abc", ())
    assert excerpt_of("a\nb", "\x01a\x02\nb") == ("a b", ((0, 1),))
