"""The `netadvisor` CLI: flags for every field, files, formats, and one-line errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.advisor import Advisor
from service.cli import main
from service.models import Deployment, Requirements
from tests.paths import OPENAPI


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_recommend_with_flags_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "recommend", "--hosts", "3", "--swarm", "--encryption", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert body["recommendation"] == "overlay"
    assert "--opt" in body["ranking"][0]["commands"]["network"][0]["argv"]


def test_every_model_field_has_a_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["recommend", "--help"])
    help_text = capsys.readouterr().out
    for name in [*Requirements.model_fields, *Deployment.model_fields]:
        assert "--" + name.replace("_", "-") in help_text, name


def test_ports_flag_accepts_commas_and_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "recommend", "--ports", "80,443", "--ports", "8000-8010/udp", "--format", "json"
    )
    assert code == 0
    run_argv = json.loads(out)["ranking"][0]["commands"]["run"][0]["argv"]
    published = [run_argv[i + 1] for i, arg in enumerate(run_argv) if arg == "--publish"]
    assert published == ["80:80", "443:443", "8000-8010:8000-8010/udp"]


def test_request_file_yaml_with_flag_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "req.yaml"
    request.write_text("requirements:\n  own_ip: true\n  cloud: aws\ndeployment:\n  parent_interface: ens5\n")
    code, out, _ = run(capsys, "recommend", "--file", str(request), "--no-own-ip", "--format", "json")
    assert code == 0
    assert json.loads(out)["recommendation"] == "bridge", "--no-own-ip overrides the file"
    code, out, _ = run(capsys, "recommend", "-f", str(request), "--format", "markdown")
    assert code == 0
    assert out.startswith("\n# Use ipvlan") or "# Use ipvlan" in out.splitlines()[1]
    assert "parent=ens5" in out


def test_text_format_is_the_same_content_without_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    _, markdown, _ = run(capsys, "recommend", "--cross-host", "--format", "markdown")
    _, text, _ = run(capsys, "recommend", "--cross-host")
    assert "```" in markdown and "```" not in text
    assert "docker network create --driver overlay --attachable app-overlay" in text


def test_invalid_value_is_one_line_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "recommend", "--subnet", "10.0.0.0/33")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("netadvisor: error: deployment.subnet:")


def test_unreadable_and_malformed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "recommend", "--file", str(tmp_path / "missing.json"))
    assert code == 2
    assert "cannot read" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("requirements: [1, 2\n")
    code, _, err = run(capsys, "recommend", "--file", str(bad))
    assert code == 2
    assert "neither JSON nor YAML" in err


def test_rules_and_drivers_listings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    assert any(line.startswith("NA013  macvlan-blocked-in-cloud") for line in out.splitlines())
    code, out, _ = run(capsys, "drivers", "--format", "json")
    assert [d["driver"] for d in json.loads(out)] == [
        "bridge",
        "host",
        "overlay",
        "ipvlan",
        "macvlan",
        "none",
        "nat",
        "transparent",
        "l2bridge",
        "l2tunnel",
    ]


def test_console_script_prints_no_traceback() -> None:
    script = Path(sys.executable).with_name("netadvisor")
    result = subprocess.run(
        [str(script), "recommend", "--hosts", "0"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("netadvisor: error: requirements.hosts")


def test_openapi_file_is_generated_and_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--output", str(target)]) == 0
    committed = OPENAPI
    assert committed.read_text() == target.read_text(), "openapi/openapi.json is stale: run `make docs`"


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err  # no usage block before the error
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["recommend", "--cloud", "moon"],
            "netadvisor: error: argument --cloud: invalid choice: 'moon' (choose from 'none', 'aws', "
            "'azure', 'gcp', 'other') (see `netadvisor recommend --help`)",
        ),
        (
            ["recommend", "--cloud", "awz"],
            "netadvisor: error: argument --cloud: invalid choice: 'awz' (choose from 'none', 'aws', 'azure', "
            "'gcp', 'other'); did you mean 'aws'? (see `netadvisor recommend --help`)",
        ),
        (
            ["recommend", "--hosts", "three"],
            "netadvisor: error: argument --hosts: invalid int value: 'three' "
            "(see `netadvisor recommend --help`)",
        ),
        ([], "netadvisor: error: the following arguments are required: COMMAND (see `netadvisor --help`)"),
        (
            ["recommend", "--hostz", "3"],
            "netadvisor: error: unrecognized arguments: --hostz 3; did you mean '--hosts'? "
            "(see `netadvisor recommend --help`)",
        ),
        (
            ["drivers", "--colour"],
            "netadvisor: error: unrecognized arguments: --colour (see `netadvisor drivers --help`)",
        ),
        (
            ["rules", "--bogus"],
            "netadvisor: error: unrecognized arguments: --bogus (see `netadvisor rules --help`)",
        ),
    ],
)
def test_usage_errors_are_one_line_with_a_pointer_to_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert usage_error(capsys, *argv) == expected


def test_a_mistyped_command_gets_a_suggestion_and_an_unrelated_one_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert usage_error(capsys, "recomend").endswith("; did you mean 'recommend'? (see `netadvisor --help`)")
    assert "did you mean" not in usage_error(capsys, "kubectl")


def test_drivers_name_shows_that_driver_in_full(capsys: pytest.CaptureFixture[str], advisor: Advisor) -> None:
    code, out, _ = run(capsys, "drivers", "macvlan")
    info = advisor.driver("macvlan")
    assert code == 0
    assert out.startswith(f"macvlan: {info.title}\n\n{info.what.strip()}\n")
    for heading, items in (("When to use it", info.when_to_use), ("Hard limits", info.hard_limits)):
        assert f"\n{heading}:\n" + "".join(f"  - {item.strip()}\n" for item in items) in out
    assert f"Source: {info.docs}\n" in out and info.docs.startswith("https://docs.docker.com/")
    code, out, _ = run(capsys, "drivers", "overlay", "--format", "json")
    assert code == 0 and json.loads(out)["driver"] == "overlay"


@pytest.mark.parametrize(
    ("name", "hint"),
    [("overlya", "did you mean 'overlay'? "), ("MACVLAM", "did you mean 'macvlan'? "), ("kubernetes", "")],
)
def test_an_unknown_driver_is_one_line_with_a_suggestion_only_for_a_near_miss(
    capsys: pytest.CaptureFixture[str], name: str, hint: str
) -> None:
    code, out, err = run(capsys, "drivers", name)
    assert code == 2 and out == ""
    assert err == (
        f"netadvisor: error: no driver '{name}'; {hint}"
        "valid drivers: bridge, host, overlay, ipvlan, macvlan, none, nat, transparent, l2bridge, l2tunnel\n"
    )
