"""Message search over real WebSockets, on both stores: what a user finds in
the chats they are in now, newest first, a page at a time, with an excerpt
and the words found marked in it; edits, deletions, leaving and deleted
chats take effect at once; hostile text is answered, never a failure."""

import uuid
from dataclasses import replace

import pytest

from tests.support.harness import Harness


async def salon(harness, version: int = 2):
    """Anna, Boris and Vera in the group "Салон"; Anna and Boris in a direct
    chat; Vera and Gleb in one Anna is not in."""
    anna = await harness.connect("anna", "Анна", version)
    boris, vera, gleb = [await harness.connect(user, version=2)
                         for user in ("boris", "vera", "gleb")]
    group = await chat_of(anna, [boris, vera], "Салон")
    direct = await chat_of(anna, [boris], "")
    elsewhere = await chat_of(vera, [gleb], "")
    return anna, boris, vera, gleb, group, direct, elsewhere


async def chat_of(creator, members, name: str) -> str:
    [reply, *_] = await creator.call("create_chat", {
        "with_user_id": [{"user_id": member.user_id} for member in members], "chat_name": name})
    if reply["type"] == "chat_updated":
        return reply["data"]["chat_id"]
    wanted = {creator.user_id, *(member.user_id for member in members)}  # version 1: the list
    return next(chat["chat_id"] for chat in reply["data"]
                if {user["user_id"] for user in chat["users"]} == wanted)


async def send(client, chat_id: str, content: str) -> str:
    replies = await client.call("send_message", {"chat_id": chat_id, "content": content})
    assert replies[0]["type"] in ("message_new", "chat_list"), replies
    if replies[0]["type"] == "message_new":
        return replies[0]["data"]["id"]
    return replies[1]["data"][-1]["id"]


async def search(client, text: str, **fields) -> dict:
    [reply] = await client.call("search_messages", {"text": text, **fields})
    assert reply["type"] == "search_results", reply
    return reply["data"]


def contents(found: dict) -> list[str]:
    return [result["message"]["content"] for result in found["results"]]


def marked(result: dict) -> list[str]:
    return [result["excerpt"][start:end] for start, end in result["highlights"]]


@pytest.mark.gen_test(timeout=90)
@pytest.mark.parametrize("version", [1, 2])
async def test_a_user_finds_the_forms_of_a_word_in_their_chats_newest_first(harness, version):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness, version)
    await send(anna, group, "Новая запись на стрижку к Вере")
    await send(boris, direct, "Записи клиентов на завтра перенесли")
    await send(vera, elsewhere, "Запись, которую Анна не видит")
    await send(boris, group, "Стрижка в пятницу")

    found = await search(anna, "запись")
    assert contents(found) == ["Записи клиентов на завтра перенесли",
                               "Новая запись на стрижку к Вере"]
    first, second = found["results"]
    assert (found["text"], found["chat_id"], found["next"]) == ("запись", None, None)
    assert (first["chat_id"], second["chat_id"], second["chat_name"]) == (direct, group, "Салон")
    assert first["message"]["chat_id"] == direct and "chat" not in first["message"]  # v2 shape
    assert marked(first) == ["Записи"] and marked(second) == ["запись"]
    assert contents(await search(anna, "записи")) == contents(found)
    assert contents(await search(anna, "клиент")) == ["Записи клиентов на завтра перенесли"]
    assert contents(await search(anna, "СТРИЖКУ пятницу")) == ["Стрижка в пятницу"]
    assert contents(await search(gleb, "запись")) == ["Запись, которую Анна не видит"]


@pytest.mark.gen_test(timeout=90)
async def test_results_come_a_page_at_a_time_and_the_last_page_says_so(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    for n in range(5):
        await send(boris if n % 2 else anna, group if n < 3 else direct, f"смена номер {n}")
    pages, before = [], None
    while True:
        found = await search(anna, "смены", limit=2, **({"before": before} if before else {}))
        pages.append(contents(found))
        before = found["next"]
        if before is None:
            break
    assert pages == [["смена номер 4", "смена номер 3"], ["смена номер 2", "смена номер 1"],
                     ["смена номер 0"]]
    in_group = await search(anna, "смена", chat_id=group)
    assert (contents(in_group), in_group["chat_id"]) == (
        ["смена номер 2", "смена номер 1", "смена номер 0"], group)


@pytest.mark.gen_test(timeout=90)
async def test_a_chat_the_user_is_not_in_is_not_found(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    await send(vera, elsewhere, "секретная запись")
    for chat_id in (elsewhere, str(uuid.uuid4()), "not-a-chat"):
        [refused] = await anna.call("search_messages", {"text": "запись", "chat_id": chat_id})
        assert (refused["type"], refused["data"]["code"]) == ("error", "not_found")


@pytest.mark.gen_test(timeout=90)
async def test_edits_deletions_and_leaving_are_searched_as_they_are_now(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    edited = await send(anna, group, "Клиентка опоздает")
    deleted = await send(boris, group, "Клиентка оплатила сертификат")
    await anna.call("edit_message", {"message_id": edited, "content": "Мастер опоздает"})
    await boris.call("delete_message", {"message_id": deleted})
    assert contents(await search(vera, "клиентка")) == []
    assert contents(await search(vera, "мастер")) == ["Мастер опоздает"]

    await send(boris, group, "Вера, напомни про сертификат")
    assert contents(await search(vera, "сертификат")) == ["Вера, напомни про сертификат"]
    await vera.call("leave_chat", {"chat_id": group})
    assert contents(await search(vera, "сертификат")) == []  # a chat left is not searched
    assert contents(await search(boris, "сертификат")) == ["Вера, напомни про сертификат"]

    await send(anna, direct, "сертификат на массаж")
    await anna.call("delete_chat", {"chat_id": direct})
    assert contents(await search(boris, "сертификат")) == ["Вера, напомни про сертификат"]
    await anna.call("remove_user", {"chat_id": group, "with_user_id": [{"user_id": "boris"}]})
    assert contents(await search(boris, "сертификат")) == []  # nor one removed from


@pytest.mark.gen_test(timeout=90)
async def test_a_message_no_index_can_hold_whole_is_stored_and_its_other_words_found(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    huge = "я" * 3000 + " оплата " + " ".join(f"слово{n}" for n in range(100))
    await send(anna, group, huge[:4096])
    [hit] = (await search(boris, "оплата"))["results"]
    assert hit["message"]["content"] == huge[:4096] and hit["excerpt"].endswith("…")


HOSTILE = ['"', 'запись"', '"запись', "NEAR(запись стрижка)", "запись OR стрижка", "запись*",
           "-запись", "запись:*", "^запись", "запись & !стрижка | (",
           "'; DROP TABLE inbox_messages; --",
           "\\", "\\'", "col:запись", "{запись}", "запись AND", "a" * 200, "ё" * 200,
           "x\u0301\u0301 y", "\u202eзапись", "\ue000", "１２３", "запись " + "\u200b" * 50]


@pytest.mark.gen_test(timeout=120)
async def test_hostile_text_is_never_query_syntax_and_never_a_failure(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    await send(anna, group, "запись на стрижку")
    for text in HOSTILE:
        [reply] = await anna.call("search_messages", {"text": text})
        assert reply["type"] == "search_results" or reply["data"]["code"] == "bad_request", \
            (text, reply)
    # Operators are words like any other: "NEAR" is looked for (and not found
    # here), "OR" is an English stop word, left out as "на" is.
    assert contents(await search(anna, "запись NEAR стрижка")) == []
    assert contents(await search(anna, "запись OR стрижка")) == ["запись на стрижку"]
    assert contents(await search(anna, '"запись" стрижку*')) == ["запись на стрижку"]


@pytest.mark.gen_test(timeout=90)
@pytest.mark.parametrize("data, why", [
    ({"text": ""}, "must have a word"),
    ({"text": "   "}, "must have a word"),
    ({"text": "!!! ?? 👍"}, "must have a word"),
    ({"text": "x" * 201}, "longer than 200"),
    ({"text": "запись\x00"}, "NUL"),
    ({"text": " ".join(f"слово{n}" for n in range(11))}, "more than 10 words"),
    ({"text": 42}, "must be a string"),
    ({}, "must be a string"),
    ({"text": "запись", "limit": 0}, "from 1 to 50"),
    ({"text": "запись", "limit": 51}, "from 1 to 50"),
    ({"text": "запись", "limit": "5"}, "from 1 to 50"),
    ({"text": "запись", "before": "not a cursor"}, "'before'"),
    ({"text": "запись", "before": 7}, "must be a string"),
])
async def test_bad_searches_are_refused_and_the_connection_goes_on(harness, data, why):
    anna = await harness.connect("anna", version=2)
    [refused] = await anna.call("search_messages", data)
    assert refused["type"] == "error" and refused["data"]["code"] == "bad_request"
    assert why in refused["data"]["message"]
    assert refused["data"]["request_type"] == "search_messages"
    assert (await search(anna, "запись"))["results"] == []


@pytest.mark.gen_test(timeout=90)
async def test_only_stop_words_find_nothing(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    await send(anna, group, "и на в")
    assert (await search(anna, "и на"))["results"] == []


@pytest.mark.gen_test(timeout=60)
async def test_searches_are_rate_limited_like_every_request(io_loop, config):
    harness = Harness(replace(config, requests_per_s=1.0, request_burst=3))
    await harness.start()
    try:
        anna = await harness.connect("anna", version=2)
        answers = [(await anna.call("search_messages", {"text": "запись"}))[0]
                   for _ in range(4)]
        assert [answer["type"] for answer in answers] == ["search_results"] * 3 + ["error"]
        assert answers[3]["data"]["code"] == "rate_limited"
    finally:
        await harness.stop()


@pytest.mark.gen_test(timeout=90)
async def test_a_hit_shows_its_message_as_history_does_quote_and_reactions_included(harness):
    anna, boris, vera, gleb, group, direct, elsewhere = await salon(harness)
    original = await send(boris, group, "Кто завтра на смене?")
    [reply] = await vera.call("send_message", {"chat_id": group, "content": "Я на смене",
                                                "reply_to": original})
    await anna.call("react", {"message_id": reply["data"]["id"], "emoji": "👍"})
    await boris.call("delete_message", {"message_id": original})
    [hit] = (await search(anna, "смена"))["results"]
    assert hit["message"]["reply_to"] == {"id": original, "sender": "boris", "excerpt": "",
                                          "deleted": True}
    assert hit["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    [seen_by_vera] = (await search(vera, "смена"))["results"]
    assert seen_by_vera["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
