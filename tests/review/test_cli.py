"""`netadvisor review` and `netadvisor explain` as a CI job runs them: exit codes, formats, files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from service.cli import main
from tests.paths import RULES
from tests.review.test_checks import SHOP

CLEAN = "services:\n  web:\n    image: nginx\n    ports: ['8080:80']\n"
WARNING = "services:\n  batch:\n    image: x\n    network_mode: none\n    ports: ['80:80']\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["review", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_0(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "compose.yaml").write_text(CLEAN)
    code, out, _ = run(capsys, "compose.yaml")
    assert code == 0 and out == "no findings in compose.yaml\n"


def test_errors_exit_1_and_name_file_line_and_column(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "compose.yaml").write_text(SHOP)
    code, out, _ = run(capsys, "compose.yaml")
    assert code == 1
    assert "compose.yaml:8:5: error NR003" in out and "compose.yaml:18:5: error NR001" in out


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("info", 1), ("none", 0)])
def test_fail_on(workdir: Path, capsys: pytest.CaptureFixture[str], fail_on: str, expected: int) -> None:
    (workdir / "compose.yaml").write_text(WARNING)
    code, _, _ = run(capsys, "compose.yaml", "--fail-on", fail_on)
    assert code == expected


def test_invalid_yaml_exits_2_with_a_json_report_that_says_where(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "compose.yaml").write_text("services:\n  web:\n    image: [nginx\n")
    code, out, err = run(capsys, "compose.yaml", "--format", "json")
    assert code == 2
    report = json.loads(out)
    (error,) = report["errors"]
    assert (error["code"], error["file"], error["line"]) == ("invalid_compose", "compose.yaml", 4)
    assert report["findings"] == []
    assert err.startswith("netadvisor: error: compose.yaml:4:")


def test_unreadable_file_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "missing.yaml")
    assert code == 2 and "missing.yaml" in err and "cannot read" in err


def test_unknown_option_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["review", "compose.yaml", "--fail-on", "critical"])
    assert exit_.value.code == 2


def test_several_files_merge_in_order(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "compose.yaml").write_text(CLEAN)
    (workdir / "compose.host.yaml").write_text("services:\n  web:\n    network_mode: host\n")
    code, out, _ = run(capsys, "compose.yaml", "compose.host.yaml", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["files"] == ["compose.yaml", "compose.host.yaml"]
    (finding,) = report["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == ("NR003", "compose.yaml", 4)


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_requirements_file(workdir: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    (workdir / "compose.yaml").write_text(SHOP.replace("x-network-requirements:\n  cloud: aws\n", ""))
    requirements = {"requirements": {"cloud": "gcp"}}
    (workdir / f"req.{suffix}").write_text(json.dumps(requirements))
    code, out, _ = run(capsys, "compose.yaml", "--requirements", f"req.{suffix}", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["requirements_given"]
    assert [f["rule"] for f in report["findings"]] == ["NR003", "NR011", "NR001"]


def test_invalid_requirements_file_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "compose.yaml").write_text(CLEAN)
    (workdir / "req.yaml").write_text("cloud: aws\nown_ipp: true\n")
    code, _, err = run(capsys, "compose.yaml", "-r", "req.yaml")
    assert code == 2 and "req.yaml:2" in err and "own_ip" in err


def test_include_is_read_relative_to_the_including_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "app").mkdir()
    (workdir / "app" / "compose.yaml").write_text("include:\n  - db.yaml\nservices:\n  web: {image: web}\n")
    (workdir / "app" / "db.yaml").write_text(
        "services:\n  db:\n    image: pg\n    network_mode: host\n    ports: ['5432:5432']\n"
    )
    code, out, _ = run(capsys, "app/compose.yaml", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["files"] == ["app/compose.yaml", "app/db.yaml"]
    assert [(f["rule"], f["file"], f["line"]) for f in report["findings"]] == [("NR003", "app/db.yaml", 5)]


def test_output_file_and_sarif(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "compose.yaml").write_text(SHOP)
    code, out, _ = run(capsys, "compose.yaml", "--format", "sarif", "--output", "review.sarif")
    assert code == 1 and out == ""
    log = json.loads((workdir / "review.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["NR003", "NR011", "NR001"]


def test_stdin(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(WARNING.encode())))
    code, out, _ = run(capsys, "-", "--format", "github", "--fail-on", "warning")
    assert code == 1 and out.startswith(
        "::warning file=stdin,line=5,col=5,title=NR004 none-network-with-ports::"
    )


def test_explain_a_review_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "nr003"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NR003 host-network-with-ports (error)")
    assert "Fires for:" in out and "Silent for:" in out and "https://docs.docker.com/" in out


def test_explain_a_selection_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "NA013", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### NA013") and "macvlan" in out


def test_explain_an_unknown_rule_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "NR999"]) == 2
    assert "no rule 'NR999'" in capsys.readouterr().err


def test_a_broken_review_rule_stops_the_review_before_any_file_is_read(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = workdir / "rules"
    shutil.copytree(RULES, rules)
    (rules / "review" / "NR021.yaml").write_text("id: NR021\nseverity: [\n")
    monkeypatch.setenv("NETADVISOR_RULES_DIR", str(rules))
    code, out, err = run(capsys, "missing.yaml")
    assert code == 2 and not out
    assert "NR021.yaml: not valid YAML" in err and "missing.yaml" not in err
