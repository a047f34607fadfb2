"""Reading Compose files the way Compose does, keeping every key's file, line and column, and refusing
hostile input quickly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.review import spec, yamltree
from service.review.errors import ComposeTooComplex, ComposeTooLarge, InvalidCompose, MissingFile
from service.review.merge import SourceFile, joined_name, load_project
from service.review.project import read_project
from service.review.yamltree import MAX_BYTES, interpolate, load_documents
from tests.paths import SCHEMAS

SCHEMA = json.loads((SCHEMAS / "compose-spec.json").read_text())


def project(*files: tuple[str, str], source=None):  # type: ignore[no-untyped-def]
    sources = [SourceFile(name, text) for name, text in files]
    root, names = load_project(sources, source) if source else load_project(sources)
    return read_project(root, names)


# -- YAML as Compose reads it ----------------------------------------------------------------------------


def test_yaml_1_2_scalars_as_compose_reads_them() -> None:
    """`22:22` is not sexagesimal 1342, `yes`/`on` are strings, `0o755` is octal (YAML 1.2 core)."""
    (doc,) = load_documents("ports:\n  - 22:22\nflag: yes\nother: on\nmode: 0o755\nnone: ~\n", "c.yaml")
    assert doc.plain() == {"ports": ["22:22"], "flag": "yes", "other": "on", "mode": 0o755, "none": None}


def test_keys_and_values_keep_line_and_column() -> None:
    (doc,) = load_documents("services:\n  web:\n    image: nginx\n    ports: ['80:80']\n", "c.yaml")
    web = doc.get("services").get("web")  # type: ignore[union-attr]
    ports = web.entry("ports")  # type: ignore[union-attr]
    assert (ports.key_mark.file, ports.key_mark.line, ports.key_mark.column) == ("c.yaml", 4, 5)  # type: ignore[union-attr]
    assert ports.node.items()[0].mark.column == 13  # type: ignore[union-attr]


def test_merge_keys_apply_with_the_anchor_lines() -> None:
    text = (
        "x-base: &base\n  image: app\n  network_mode: host\nservices:\n  a:\n    <<: *base\n    image: mine\n"
    )
    (doc,) = load_documents(text, "c.yaml")
    a = doc.get("services").get("a")  # type: ignore[union-attr]
    assert a.plain() == {"image": "mine", "network_mode": "host"}  # type: ignore[union-attr]
    assert a.entry("network_mode").key_mark.line == 3, "a merged key points where the anchor defines it"  # type: ignore[union-attr]
    assert a.entry("image").key_mark.line == 7  # type: ignore[union-attr]


def test_duplicate_keys_are_an_error_with_the_line() -> None:
    with pytest.raises(InvalidCompose) as failure:
        load_documents("services:\n  a:\n    image: x\n    image: y\n", "c.yaml")
    assert (failure.value.file, failure.value.line) == ("c.yaml", 4)
    assert "defined twice" in failure.value.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("- just\n- a list\n", 1, "mapping"),
        ("services: [\n", 2, "not valid YAML"),
        ("", 1, "empty"),
        ("# only a comment\n", 1, "empty"),
        ("just text\n", 1, "mapping"),
        ("a: *missing\n", 1, "no anchor"),
    ],
)
def test_not_a_compose_mapping_is_refused_with_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InvalidCompose) as failure:
        load_documents(text, "c.yaml")
    assert failure.value.line == line and words in failure.value.message


def _counting_events(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the parser events the loader reads: the work it does, measured without a clock."""
    read = [0]
    original = yamltree._events

    def counted(source: Any) -> Any:
        for event in original(source):
            read[0] += 1
            yield event

    monkeypatch.setattr(yamltree, "_events", counted)
    return read


def test_an_alias_bomb_is_refused_without_expanding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Billion laughs: nine levels of nine aliases expand to 9**9 nodes; refused once past the cap, having
    read only the ~100 events of the text itself (never the expansion)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    read = _counting_events(monkeypatch)
    with pytest.raises(ComposeTooComplex) as failure:
        load_documents("\n".join(lines) + "\n", "bomb.yaml")
    assert failure.value.code == "compose_too_complex" and failure.value.line is not None
    assert "more than 250000 nodes" in failure.value.message
    assert read[0] < 150, f"read {read[0]} events"


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ComposeTooComplex, match="nesting"):
        load_documents("a: " + "[" * 200 + "]" * 200 + "\n", "deep.yaml")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the real YAML parser is started on, in order (the parser itself is unchanged)."""
    started: list[str] = []
    parser = yamltree._EVENT_SOURCE

    def counted(text: str) -> Any:
        started.append(text)
        return parser(text)

    monkeypatch.setattr(yamltree, "_EVENT_SOURCE", counted)
    return started


def test_files_over_one_mebibyte_are_refused_before_parsing(parses: list[str]) -> None:
    text = "services: {}\n" + "#" * MAX_BYTES
    with pytest.raises(ComposeTooLarge) as failure:
        load_documents(text, "big.yaml")
    assert parses == []
    assert failure.value.code == "compose_too_large"


def test_a_file_named_twice_is_parsed_once(parses: list[str]) -> None:
    main = (
        "services:\n"
        "  api:\n    extends: {file: base.yaml, service: app}\n"
        "  worker:\n    extends: {file: base.yaml, service: app}\n"
    )
    base = "services:\n  app:\n    image: app\n    network_mode: host\n"

    def source(path: str, relative_to: str) -> SourceFile:
        return SourceFile(joined_name(path, relative_to), base)

    p = project(("compose.yaml", main), source=source)
    assert {name: s.network_mode.value for name, s in p.services.items() if s.network_mode} == {
        "api": "host",
        "worker": "host",
    }
    assert parses == [main, base]


def test_not_utf8_is_an_error() -> None:
    with pytest.raises(InvalidCompose, match="UTF-8"):
        load_documents(b"services:\n  a: {image: \xff}\n", "c.yaml")


@pytest.mark.parametrize(
    ("text", "result", "unresolved"),
    [
        ("${PORT:-8080}:80", "8080:80", False),
        ("${PORT-8080}", "8080", False),
        ("${A:-${B:-nested}}", "nested", False),
        ("${PORT}:80", "${PORT}:80", True),
        ("$PORT", "$PORT", True),
        ("${NEEDED:?set it}", "${NEEDED:?set it}", True),
        ("${SET:+alt}", "${SET:+alt}", True),
        ("$$HOME", "$HOME", False),
        ("plain", "plain", False),
    ],
)
def test_interpolation_uses_defaults_and_keeps_the_unknown(text: str, result: str, unresolved: bool) -> None:
    assert interpolate(text) == (result, unresolved)


# -- the keys the review knows are the Compose specification's ------------------------------------------


def test_known_keys_match_the_compose_schema() -> None:
    definitions = SCHEMA["definitions"]
    network = definitions["network"]["properties"]
    attachment = definitions["service"]["properties"]["networks"]["oneOf"][1]["patternProperties"]
    (attachment_schema,) = attachment.values()
    assert set(SCHEMA["properties"]) == spec.TOP_LEVEL
    assert set(definitions["service"]["properties"]) == spec.SERVICE
    assert set(network) == spec.NETWORK
    assert set(network["ipam"]["properties"]) == spec.IPAM
    assert set(network["ipam"]["properties"]["config"]["items"]["properties"]) == spec.IPAM_POOL
    assert set(attachment_schema["oneOf"][0]["properties"]) == spec.ATTACHMENT
    port_long = definitions["service"]["properties"]["ports"]["items"]["oneOf"][2]["properties"]
    assert set(port_long) == spec.PORT_LONG


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ("services:\n  a:\n    image: x\n    network: [front]\n", "network", "networks"),
        (
            "services:\n  a:\n    image: x\n    networks:\n      front:\n        ipv4_adress: 10.0.0.2\n",
            "ipv4_adress",
            "ipv4_address",
        ),
        ("networks:\n  front:\n    drivr: bridge\n", "drivr", "driver"),
        ("service:\n  a: {image: x}\n", "service", "services"),
    ],
)
def test_a_misspelt_key_is_refused_like_compose_does(text: str, key: str, hint: str) -> None:
    with pytest.raises(InvalidCompose) as failure:
        project(("c.yaml", text))
    assert f"`{key}`" in failure.value.message and f"`{hint}`" in failure.value.message
    assert failure.value.line is not None


def test_wrong_shapes_where_the_review_reads_are_errors() -> None:
    with pytest.raises(InvalidCompose, match="must be a list") as failure:
        project(("c.yaml", "services:\n  a:\n    image: x\n    ports: '80:80'\n"))
    assert failure.value.line == 4


# -- merging several files -------------------------------------------------------------------------------


BASE = """services:
  web:
    image: web
    ports:
      - "8080:80"
      - "8443:443"
    environment:
      - MODE=prod
    networks: [front]
networks:
  front: {}
"""


def test_later_files_override_and_each_value_keeps_its_origin() -> None:
    override = """services:
  web:
    ports:
      - "8080:80"
      - "9000:9000"
    environment:
      MODE: dev
    networks:
      back: {}
    network_mode: bridge
networks:
  back: {}
"""
    p = project(("compose.yaml", BASE), ("compose.override.yaml", override))
    web = p.services["web"]
    assert [(port.raw, port.mark.file, port.mark.line) for port in web.ports] == [
        ("8080:80", "compose.override.yaml", 4),  # same {ip, target, published, protocol}: replaced
        ("8443:443", "compose.yaml", 6),
        ("9000:9000", "compose.override.yaml", 5),
    ]
    assert {k: v.value for k, v in web.environment} == {"MODE": "dev"}
    assert [a.network for a in web.attachments] == ["front", "back"], "list and mapping forms merge"
    assert web.network_mode is not None and web.network_mode.mark.file == "compose.override.yaml"
    assert web.ports_key is not None and web.ports_key.file == "compose.yaml", (
        "a merged key keeps its first place"
    )


def test_reset_and_override_tags() -> None:
    override = """services:
  web:
    ports: !override
      - "80:80"
    environment: !reset []
"""
    web = project(("a.yaml", BASE), ("b.yaml", override)).services["web"]
    assert [port.raw for port in web.ports] == ["80:80"]
    assert web.environment == []


def test_include_reads_the_named_file_relative_to_the_including_one() -> None:
    main = "include:\n  - db/compose.yaml\nservices:\n  api:\n    image: api\n"
    included = "services:\n  db:\n    image: postgres\n    network_mode: host\n    ports: ['5432:5432']\n"
    files = {"stack/db/compose.yaml": included}

    def source(path: str, relative_to: str) -> SourceFile:
        name = joined_name(path, relative_to)
        if name not in files:
            raise MissingFile(f"{name} missing", relative_to)
        return SourceFile(name, files[name])

    p = project(("stack/compose.yaml", main), source=source)
    assert set(p.services) == {"api", "db"}
    assert p.services["db"].ports[0].mark.file == "stack/db/compose.yaml"
    assert p.files == ["stack/compose.yaml", "stack/db/compose.yaml"]


def test_include_of_a_file_not_given_is_an_error_not_a_smaller_review() -> None:
    with pytest.raises(MissingFile) as failure:
        project(("compose.yaml", "include:\n  - other.yaml\nservices:\n  a: {image: x}\n"))
    assert failure.value.line == 2 and failure.value.code == "missing_file"


def test_extends_merges_the_base_service() -> None:
    text = """services:
  base:
    image: app
    network_mode: host
  worker:
    extends: base
    ports: ["9000:9000"]
"""
    worker = project(("c.yaml", text)).services["worker"]
    assert worker.network_mode is not None and worker.network_mode.value == "host"
    assert worker.network_mode.mark.line == 4
    assert [port.raw for port in worker.ports] == ["9000:9000"]


def test_extends_loop_is_an_error() -> None:
    text = "services:\n  a:\n    extends: b\n  b:\n    extends: a\n"
    with pytest.raises(InvalidCompose, match="loops"):
        project(("c.yaml", text))


def test_several_documents_in_one_file_merge_in_order() -> None:
    text = "services:\n  web:\n    image: a\n---\nservices:\n  web:\n    network_mode: host\n"
    web = project(("c.yaml", text)).services["web"]
    assert web.network_mode is not None and web.network_mode.mark.line == 7


def test_unclosed_deep_nesting_is_refused_at_the_depth_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """100,000 open brackets: refused at the level past the limit, not after reading them all."""
    read = _counting_events(monkeypatch)
    with pytest.raises(ComposeTooComplex):
        load_documents("a: " + "[" * 100_000, "deep.yaml")
    assert read[0] <= yamltree.MAX_DEPTH + 5, f"read {read[0]} events"
