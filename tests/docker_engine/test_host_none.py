"""`--network none` and `--network host` from the advisor's commands, on a real engine."""

from __future__ import annotations

import pytest

from service.models import Driver
from tests.docker_engine.conftest import Lab
from tests.docker_engine.harness import IMAGE, IMAGE_PAGE, http_get, link_names, port_is_free, run_argv

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


def test_the_host_interfaces_answer_sees_the_hosts_links_and_changes_them_with_net_admin(lab: Lab) -> None:
    """`host_interfaces: true` gives `--network host`: the container sees the host's own links. NA057's
    warning says changing them takes `--cap-add NET_ADMIN`; without it the kernel refuses."""
    if not port_is_free(80):
        pytest.skip("host port 80 is in use; the test image's httpd binds it under --network host")
    link = lab.veth()  # the test's own link, so changing it touches nothing else on the host
    container = lab.name("agent")
    rec = lab.ask({"host_interfaces": True}, container_name=container)
    assert rec.recommendation is Driver.host
    commands = lab.commands(rec, Driver.host)
    (run,) = commands.run
    assert run.argv[run.argv.index("--network") + 1] == "host" and "--cap-add" not in run.argv
    warning = next(w.message for w in lab.result(rec, Driver.host).warnings if w.rule == "NA057")
    assert "--cap-add NET_ADMIN" in warning
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(container)

    inside = link_names(lab.docker.sh(container, "ip -o link").stdout)
    assert link in inside and f"{link}p" in inside, "the container sees the host's links"
    address = f"{lab.subnet().network_address + 1}/30"
    refused = lab.docker.sh(container, f"ip addr add {address} dev {link}", check=False)
    assert not refused.ok and "not permitted" in (refused.stderr + refused.stdout).lower()

    # The same command with the warning's flag, running a shell instead of the image's httpd (port 80).
    image = run.argv.index(IMAGE)
    admin = lab.name("admin")
    argv = [*run.argv[:image], "--cap-add", "NET_ADMIN", *run.argv[image:], "sleep", "300"]
    argv[argv.index("--name") + 1] = admin
    lab.docker_own(*argv[1:])
    lab.wait_running(admin)
    lab.docker.sh(admin, f"ip addr add {address} dev {link}")
    assert address in run_argv(["ip", "-o", "addr", "show", "dev", link]).stdout, "changed on the host"
