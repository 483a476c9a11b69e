"""The documentation against the code: every JSON example in docs/protocol.md
validates against the published schema (the one source of frame shapes), the
README's environment table names exactly the MESSENGER_* variables the code
reads, and the README and docs point only at files a clone has."""

import ast
import json
import re
from pathlib import Path

import jsonschema
import pytest

from messenger.wire import protocol

ROOT = Path(__file__).parent.parent.parent
SCHEMA = json.loads((ROOT / "messenger" / "wire" / "protocol.schema.json").read_text())
PROTOCOL_DOC = ROOT / "docs" / "protocol.md"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
MARKER = re.compile(r"<!-- schema: (#[^ ]*) -->")
REQUESTS = "#/$defs/requests/"
VARIABLE = re.compile(r"MESSENGER_[A-Z0-9_]+")


def fenced_blocks(path: Path) -> list[tuple[str, str, str, int]]:
    """(language, content, the last non-blank line before it, line number) per fenced block."""
    text = path.read_text()
    blocks = []
    for match in FENCE.finditer(text):
        before = [line for line in text[:match.start()].splitlines() if line.strip()]
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((match.group(1), match.group(2), before[-1] if before else "", line))
    return blocks


def examples() -> list[tuple[str, int, str]]:
    """(marker pointer or "", line, JSON text) for every ```json block of docs/protocol.md."""
    found = []
    for language, content, before, line in fenced_blocks(PROTOCOL_DOC):
        if language == "json":
            marker = MARKER.fullmatch(before.strip())
            found.append((marker.group(1) if marker else "", line, content))
    return found


def resolve(pointer: str) -> dict:
    """The schema definition a marker names; KeyError if it names none."""
    node = SCHEMA
    for part in pointer.removeprefix("#").strip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def check_example(pointer: str, example) -> None:
    """A request example is a whole frame: `type` names its definition, `data`
    is checked against it. Anything else is checked against the pointer itself."""
    resolve(pointer)
    if pointer.startswith(REQUESTS):
        assert isinstance(example, dict) and set(example) <= {"type", "data", "request_id"}, \
            "a request is {type, data, request_id?}"
        assert example.get("type") == pointer.removeprefix(REQUESTS), \
            f"the request's type is not {pointer.removeprefix(REQUESTS)!r}"
        request_id = example.get("request_id")
        assert request_id is None or (isinstance(request_id, (int, float, str))
                                      and not isinstance(request_id, bool)), \
            "request_id is a number or a string"
        example = example.get("data")
    schema = SCHEMA if pointer == "#" else {"$defs": SCHEMA["$defs"], "$ref": pointer}
    jsonschema.Draft202012Validator(schema).validate(example)


EXAMPLES = examples()


def test_the_protocol_reference_has_examples():
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("pointer, line, text", EXAMPLES,
                         ids=[f"line{line}" for _, line, _ in EXAMPLES])
def test_every_json_example_names_its_schema_and_validates_against_it(pointer, line, text):
    where = f"docs/protocol.md line {line}"
    assert pointer, f"{where}: a ```json block needs <!-- schema: #… --> on the line before it"
    try:
        example = json.loads(text)
    except ValueError as error:
        pytest.fail(f"{where}: not JSON: {error}")
    try:
        check_example(pointer, example)
    except KeyError:
        pytest.fail(f"{where}: {pointer} names nothing in messenger/wire/protocol.schema.json")
    except (AssertionError, jsonschema.ValidationError) as error:
        pytest.fail(f"{where}: does not validate against {pointer}: {error}")


@pytest.mark.parametrize("pointer, example", [
    ("#", {"type": "unread", "data": {"chat_id": "c", "unread": -1}}),
    ("#", {"type": "chat_removed", "data": {}}),
    ("#/$defs/chat", {"chat_id": "c"}),
    (REQUESTS + "send_message", {"type": "send_message", "data": {"content": "no chat_id"}}),
    (REQUESTS + "send_message", {"type": "edit_message", "data": {"chat_id": "c"}}),
    (REQUESTS + "mark_read", {"type": "mark_read", "data": {"chat_id": "c", "message_id": "m"},
                              "request_id": True}),
])
def test_the_check_refuses_a_wrong_example(pointer, example):
    with pytest.raises((AssertionError, jsonschema.ValidationError)):
        check_example(pointer, example)


def test_a_marker_naming_nothing_is_caught():
    with pytest.raises(KeyError):
        check_example("#/$defs/chat_list", {})


def test_no_frame_hides_in_an_unchecked_block():
    """A JSON object in a block that is not ```json would escape the schema."""
    for language, content, _, line in fenced_blocks(PROTOCOL_DOC):
        if language == "json":
            continue
        for text in [content, *content.splitlines()]:
            try:
                parsed = json.loads(text)
            except ValueError:
                continue
            assert not isinstance(parsed, (dict, list)), \
                f"docs/protocol.md line {line}: JSON in a ```{language} block; make it ```json"


def test_every_request_frame_and_error_code_has_an_example():
    requests, frames, codes = set(), set(), set()
    for pointer, _, text in EXAMPLES:
        example = json.loads(text)
        if pointer.startswith(REQUESTS):
            requests.add(example["type"])
        elif pointer == "#":
            frames.add(example["type"])
            if example["type"] == "error":
                codes.add(example["data"]["code"])
    assert requests == protocol.REQUEST_TYPES
    assert frames == set(SCHEMA["properties"]["type"]["enum"])
    error_codes = SCHEMA["allOf"][[rule["if"]["properties"]["type"].get("const")
                                   for rule in SCHEMA["allOf"]].index("error")]
    assert codes == set(error_codes["then"]["properties"]["data"]["properties"]["code"]["enum"])


def test_the_schema_describes_every_request_the_server_parses():
    described = {name for name, definition in SCHEMA["$defs"]["requests"].items()
                 if isinstance(definition, dict) and "required" in definition}
    assert described == protocol.REQUEST_TYPES


def test_the_service_api_examples_are_json():
    for language, content, _, line in fenced_blocks(ROOT / "docs" / "service-api.md"):
        if language == "json":
            try:
                json.loads(content)
            except ValueError as error:
                pytest.fail(f"docs/service-api.md line {line}: not JSON: {error}")


# --- the environment ---------------------------------------------------------

def environment_table() -> set[str]:
    """The variables named in the first cell of the README's `| variable | meaning |` table."""
    lines = (ROOT / "README.md").read_text().splitlines()
    start = lines.index("| variable | meaning |")
    names = set()
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        names |= set(VARIABLE.findall(line.split("|")[1]))
    return names


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "environ") or (
        isinstance(node, ast.Attribute) and node.attr == "environ")


def _variable(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            and VARIABLE.fullmatch(node.value):
        return node.value
    return None


def variables_read(source: str) -> set[str]:
    """MESSENGER_* names read from an environment: environ.get("X"),
    environ["X"], os.getenv("X"), "X" in environ, or a call handed both the
    environment and the name (config's _secret(environ, "X", …))."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func, args = node.func, node.args
            if isinstance(func, ast.Attribute) and func.attr in ("get", "pop") \
                    and _is_environ(func.value) and args:
                found.add(_variable(args[0]))
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv"
                  or isinstance(func, ast.Name) and func.id == "getenv") and args:
                found.add(_variable(args[0]))
            elif any(_is_environ(arg) for arg in args):
                found.update(_variable(arg) for arg in args)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and _is_environ(node.value):
            found.add(_variable(node.slice))
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            found.add(_variable(node.left))
    return found - {None}


def code_reads() -> dict[str, list[str]]:
    """Each variable, with the files that read it (the server's, the tests', the bench's)."""
    readers: dict[str, list[str]] = {}
    for directory in ("messenger", "domain", "projections", "tests", "bench"):
        for path in sorted((ROOT / directory).rglob("*.py")):
            for name in variables_read(path.read_text()):
                readers.setdefault(name, []).append(str(path.relative_to(ROOT)))
    for name in variables_read((ROOT / "run.py").read_text()):
        readers.setdefault(name, []).append("run.py")
    return readers


def test_every_variable_the_code_reads_is_in_the_readme_table_and_no_other():
    readers, table = code_reads(), environment_table()
    missing = {name: files for name, files in readers.items() if name not in table}
    assert not missing, f"read by the code but not in the README's environment table: {missing}"
    assert table <= set(readers), \
        f"in the README's environment table but read nowhere: {sorted(table - set(readers))}"


def test_the_reads_are_found_however_they_are_written():
    source = '''
import os
from os import environ, getenv
a = os.environ.get("MESSENGER_A", "")
b = environ["MESSENGER_B"]
c = getenv("MESSENGER_C")
d = _secret(environ, "MESSENGER_D", {}, "key", "path")
e = "MESSENGER_E" in os.environ
f = {"MESSENGER_F": "written, not read"}
g = dict(os.environ, MESSENGER_G="written")
'''
    assert variables_read(source) == {f"MESSENGER_{x}" for x in "ABCDE"}


# --- links ---------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MARKDOWN_PATH = re.compile(r"`([^`\s]+\.md)`")


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_the_docs_point_only_at_files_in_the_repository(path):
    text = path.read_text()
    targets = [t.split("#")[0] for t in LINK.findall(text)
               if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    for target in targets + MARKDOWN_PATH.findall(text):
        candidates = [(path.parent / target).resolve(), (ROOT / target).resolve()]
        assert any(c.is_relative_to(ROOT.resolve()) and c.exists() for c in candidates), \
            f"{path.relative_to(ROOT)} points at {target}, which a clone does not have"


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_no_bot_token_or_key_is_in_the_docs(path):
    text = path.read_text()
    assert not re.search(r"\b\d{8,10}:[A-Za-z0-9_-]{35}\b", text), "a Telegram bot token"
    assert "PRIVATE KEY-----" not in text
