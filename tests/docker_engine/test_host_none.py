"""`--network none` and `--network host` from the advisor's commands, on a real engine."""

from __future__ import annotations

import pytest

from service.models import Driver
from tests.docker_engine.conftest import Lab
from tests.docker_engine.harness import IMAGE_PAGE, http_get, link_names, port_is_free, run_argv

pytestmark = pytest.mark.docker_engine


def test_none_leaves_only_loopback(lab: Lab) -> None:
    container = lab.name("alone")
    rec = lab.ask({"network_access": "none"}, container_name=container)
    assert rec.recommendation is Driver.none
    lab.run_all(lab.commands(rec, Driver.none), "prerequisites", "network", "run")
    lab.wait_running(container)

    assert link_names(lab.docker.sh(container, "ip -o link").stdout) == {"lo"}
    assert lab.docker.sh(container, "ip route").stdout.strip() == "", "no route anywhere"
    assert lab.fetch_from(container, "http://127.0.0.1/") == IMAGE_PAGE, "loopback still works"


def test_host_network_shares_the_hosts_interfaces_and_sockets(lab: Lab) -> None:
    if not port_is_free(80):
        pytest.skip("host port 80 is in use; the test image's httpd binds it under --network host")
    container = lab.name("hostnet")
    rec = lab.ask({"host_isolation": "not_needed", "performance": "high"}, container_name=container)
    assert rec.recommendation is Driver.host
    lab.run_all(lab.commands(rec, Driver.host), "prerequisites", "network", "run")
    lab.wait_running(container)

    before = link_names(run_argv(["ip", "-o", "link"]).stdout)
    inside = link_names(lab.docker.sh(container, "ip -o link").stdout)
    after = link_names(run_argv(["ip", "-o", "link"]).stdout)
    assert before & after <= inside <= before | after, (inside ^ before, "differs from the host's")
    # The container's httpd listens on the host's port 80: the host reaches it on its own loopback.
    assert http_get("http://127.0.0.1:80/") == IMAGE_PAGE
