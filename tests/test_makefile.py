"""A first `make` that failed heals on the next run: the venv is rebuilt rather than reused when its python
is too old or it was left half made.

The Pythons here are fakes (a shell script that reports a version and makes a venv of two stubs), so the
test runs the real Makefile in seconds without installing anything.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO_ROOT

ROOT = REPO_ROOT

FAKE_PYTHON = """#!/bin/sh
# A Python {version} as far as the Makefile can tell: `-c` code runs with that version_info, and
# `-m venv --clear DIR` makes a venv whose python is this same fake, with a pip that does nothing.
case "$1" in
  -c) exec {real} -c "import sys; sys.version_info = {version_info}; $2" ;;
  -m) dir="$4"; rm -rf "$dir"; mkdir -p "$dir/bin"; cp "$0" "$dir/bin/python"
      printf '#!/bin/sh\\nexit 0\\n' > "$dir/bin/pip"; chmod +x "$dir/bin/pip" ;;
esac
"""


def fake_python(folder: Path, version: tuple[int, int]) -> Path:
    path = folder / f"python{version[0]}.{version[1]}"
    path.write_text(FAKE_PYTHON.format(version=version, version_info=(*version, 0), real=sys.executable))
    path.chmod(0o755)
    return path


def make(project: Path, python: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-f",
            str(ROOT / "Makefile"),
            f"PYTHON={python}",
            ".venv/bin/python",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def venv_version(project: Path) -> str:
    code = "import sys; print(*sys.version_info[:2], sep='.')"
    return subprocess.run(
        [str(project / ".venv/bin/python"), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_too_old_a_python_says_which_is_needed_and_the_next_run_heals(project: Path) -> None:
    old, good = fake_python(project, (3, 9)), fake_python(project, (3, 11))
    failed = make(project, old)
    assert failed.returncode != 0
    assert "netadvisor needs Python 3.11+; run make PYTHON=python3.11" in failed.stderr
    healed = make(project, good)
    assert healed.returncode == 0, healed.stderr
    assert venv_version(project) == "3.11"


def test_a_venv_left_by_an_old_python_is_rebuilt_not_reused(project: Path) -> None:
    old, good = fake_python(project, (3, 9)), fake_python(project, (3, 11))
    subprocess.run([str(old), "-m", "venv", "--clear", str(project / ".venv")], check=True)
    assert venv_version(project) == "3.9"
    rebuilt = make(project, good)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert venv_version(project) == "3.11"


def test_a_venv_without_pip_is_rebuilt(project: Path) -> None:
    good = fake_python(project, (3, 11))
    assert make(project, good).returncode == 0
    (project / ".venv/bin/pip").unlink()  # what a venv made without ensurepip looks like
    assert make(project, good).returncode == 0
    assert (project / ".venv/bin/pip").exists()


def test_a_good_venv_is_kept(project: Path) -> None:
    good = fake_python(project, (3, 11))
    assert make(project, good).returncode == 0
    marker = project / ".venv/kept"
    marker.touch()
    again = make(project, good)
    assert again.returncode == 0 and marker.exists(), again.stdout
