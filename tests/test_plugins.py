"""`/v1/plugins`: the third-party drivers the seed names, their status and what to use instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.catalogue import default_rules_dir
from service.errors import CatalogueError
from service.models import Driver
from service.plugins import load_plugins
from service.settings import Settings
from tests.paths import REPO_ROOT

SEED = REPO_ROOT.parent / "shared" / "seed" / "docker-network-drivers.zh.md"


def test_every_plugin_the_seed_names_is_answered(client: TestClient) -> None:
    response = client.get("/v1/plugins")
    assert response.status_code == 200
    names = {plugin["name"] for plugin in response.json()}
    assert names == {"calico", "contiv", "kuryr", "weave"}
    if SEED.is_file():  # the seed article sits beside the repo in the workplace; the list must cover it
        seed = SEED.read_text(encoding="utf-8").lower()
        assert all(name in seed for name in names)


def test_each_plugin_cites_a_source_and_points_to_builtin_drivers(client: TestClient) -> None:
    for plugin in client.get("/v1/plugins").json():
        assert plugin["source"].startswith("https://")
        assert plugin["status"] in {"discontinued", "abandoned", "unmaintained", "niche"}
        assert plugin["use_instead"] and set(plugin["use_instead"]) <= {driver.value for driver in Driver}
        assert plugin["instead"].strip()


def test_weave_is_reported_unmaintained_with_its_fork(client: TestClient) -> None:
    weave = client.get("/v1/plugins/Weave").json()
    assert weave["status"] == "unmaintained"
    assert "rajch/weave" in weave["status_detail"]
    assert "overlay" in weave["use_instead"]


def test_unknown_plugin_is_a_404_envelope_listing_the_known_ones(client: TestClient) -> None:
    response = client.get("/v1/plugins/flannel")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "calico" in error["message"] and "flannel" in error["message"]


def test_a_broken_plugin_file_stops_start_up(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    (rules / "plugins.yaml").write_text(
        "plugins:\n  - name: weave\n    title: Weave\n    status: fine\n", encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match=r"plugins\.yaml"):
        load_plugins(rules)
    with pytest.raises(CatalogueError, match=r"plugins\.yaml"):
        create_app(Settings(rules_dir=rules))
