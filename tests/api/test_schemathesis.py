"""The published contract, fuzzed with Schemathesis 4: openapi/openapi.json against the app, every check.

Schemathesis generates valid and invalid requests from the committed document (not from the app's own idea
of itself) and checks every answer: no server error, a documented status code, content type, headers and
schema, valid data accepted and invalid data refused, 405 with a complete `Allow` for undocumented methods,
and the bearer keys enforced where the document says so. The server under test has API keys and every chat
integration configured, so authentication is fuzzed too. Per-operation settings (where a 422 to
schema-valid data is the documented answer, and why) live in schemathesis.toml, which both runs read.

Two runs, bounded by a fixed number of examples per operation and deterministic (a CI failure reproduces
locally):
- in process, against the ASGI app: quick, and a failure is a pytest failure with the case attached;
- the CLI, exactly as a user runs it, against a live `netadvisor serve`: the whole HTTP stack (uvicorn's
  parser and limits included), plus the examples, coverage and stateful phases (links between operations
  are inferred: list the rules, then fetch one by the ID the list gave).
`NETADVISOR_FUZZ_EXAMPLES` raises the count for a longer local run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from pydantic import SecretStr
from schemathesis.config import SchemathesisConfig

from service.advisor import Advisor
from service.api.app import create_app
from service.catalogue import load_catalogue
from service.settings import Settings
from tests.cli.test_serve import running
from tests.paths import OPENAPI, REPO_ROOT

ROOT = REPO_ROOT
DOCUMENT = OPENAPI
CONFIG = ROOT / "schemathesis.toml"
API_KEY = "fuzz-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
EXAMPLES = int(os.environ.get("NETADVISOR_FUZZ_EXAMPLES", "40"))

# Chat integrations configured: unsigned fuzz traffic must then be refused (401), not 404 "disabled".
SECRETS = {
    "api_keys": API_KEY,
    "slack_signing_secret": "fuzz-slack-secret",
    "mattermost_token": "fuzz-mattermost-token",
    "teams_secret": "ZnV6ei10ZWFtcy1zZWNyZXQ=",
    "feishu_app_secret": "fuzz-feishu-app-secret",
    "feishu_verification_token": "fuzz-feishu-token",
    "feishu_encrypt_key": "fuzz-feishu-encrypt-key",
    "dingtalk_app_secret": "fuzz-dingtalk-secret",
}
SETTINGS = Settings(feishu_app_id="cli_fuzz", **{name: SecretStr(value) for name, value in SECRETS.items()})


def _schema() -> schemathesis.schemas.BaseSchema:
    schema = schemathesis.openapi.from_path(DOCUMENT, config=SchemathesisConfig.from_path(CONFIG))
    schema.app = create_app(SETTINGS, advisor=Advisor(load_catalogue()))
    # The key is sent with every request; generated Authorization headers would only be overridden. The
    # `ignored_auth` check still reads the scheme and retries without a key and with a bad one.
    schema.config.generation.update(
        max_examples=EXAMPLES, deterministic=True, with_security_parameters=False, database="none"
    )
    return schema


schema = _schema()


@schema.parametrize()
def test_every_operation_honours_the_published_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH)


def test_the_fuzz_covers_every_documented_operation() -> None:
    operations = {(op.path, op.method.upper()) for op in (r.ok() for r in schema.get_all_operations())}
    core = {
        ("/healthz", "GET"),
        ("/healthz", "HEAD"),
        ("/metrics", "GET"),
        ("/v1/recommendations", "POST"),
        ("/v1/recommendations", "GET"),
        ("/v1/rules", "GET"),
        ("/v1/rules/{rule_id}", "GET"),
        ("/v1/drivers", "GET"),
        ("/v1/drivers/{driver}", "GET"),
        ("/v1/reviews", "POST"),
    }
    assert core <= operations


@pytest.mark.slow
def test_the_schemathesis_cli_with_every_check_passes_against_a_live_server() -> None:
    env = {f"NETADVISOR_{name.upper()}": value for name, value in SECRETS.items()}
    env["NETADVISOR_FEISHU_APP_ID"] = "cli_fuzz"
    env["NETADVISOR_LOG_LEVEL"] = "warning"  # the fuzz sends thousands of requests; keep the output readable
    with running(env=env) as server:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                str(DOCUMENT),
                "--url",
                server.url,
                "--checks",
                "all",
                "--generation-deterministic",
                "--workers",
                "1",
                "--max-examples",
                str(EXAMPLES),
                "--wait-for-schema",
                "30",
                "--header",
                f"Authorization: Bearer {API_KEY}",
                "--no-color",
            ],
            cwd=ROOT,  # schemathesis.toml is read from here
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Every documented operation was reached (none skipped or errored on the way).
    documented = sum(len(operations) for operations in json.loads(DOCUMENT.read_text())["paths"].values())
    assert f"Tested: {documented}\n" in output, output
