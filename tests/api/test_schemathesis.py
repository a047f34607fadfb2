"""The published contract, fuzzed: openapi/openapi.json against the live ASGI app, every operation.

Schemathesis generates valid and invalid requests from the committed document (not from the app's own
idea of itself) and checks every answer: no server error, a documented status code, the documented content
type, headers and schema, invalid data refused, and the bearer keys enforced where the document says so.
The app under test has API keys configured, so the authentication half of the contract is fuzzed too.

Bounded: a fixed number of examples per operation and no shrinking beyond Hypothesis' defaults, so the
whole module stays well under a minute on a 2-core machine. `NETADVISOR_FUZZ_EXAMPLES` raises the count
for a longer local run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from pydantic import SecretStr
from schemathesis import DataGenerationMethod, GenerationConfig
from schemathesis.checks import ALL_CHECKS
from schemathesis.specs.openapi.schemas import BaseOpenAPISchema

from service.advisor import Advisor
from service.api.app import create_app
from service.catalogue import load_catalogue
from service.settings import Settings
from tests.paths import OPENAPI

API_KEY = "fuzz-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
EXAMPLES = int(os.environ.get("NETADVISOR_FUZZ_EXAMPLES", "40"))

# hypothesis-jsonschema 0.23.1 (what Schemathesis 3.x generates bodies with) calls `many.more()`, which
# Hypothesis removed in 6.170.10: every JSON body would fail to generate. Say so instead of 14 tracebacks.
if not hasattr(conjecture_utils.many, "more"):
    raise RuntimeError("Schemathesis 3.x needs hypothesis<6.170.10 (hypothesis-jsonschema uses many.more())")

# FastAPI writes OpenAPI 3.1; Schemathesis 3.x reads it behind this switch (JSON Schema 2020-12 keywords).
schemathesis.experimental.OPEN_API_3_1.enable()

# Chat integrations configured: unsigned fuzz traffic must then be refused (401), not 503 "disabled".
SETTINGS = Settings(
    api_keys=SecretStr(API_KEY),
    slack_signing_secret=SecretStr("fuzz-slack-secret"),
    mattermost_token=SecretStr("fuzz-mattermost-token"),
    teams_secret=SecretStr("ZnV6ei10ZWFtcy1zZWNyZXQ="),
    feishu_app_id="cli_fuzz",
    feishu_app_secret=SecretStr("fuzz-feishu-app-secret"),
    feishu_verification_token=SecretStr("fuzz-feishu-token"),
    feishu_encrypt_key=SecretStr("fuzz-feishu-encrypt-key"),
    dingtalk_app_secret=SecretStr("fuzz-dingtalk-secret"),
)
app = create_app(SETTINGS, advisor=Advisor(load_catalogue()))


def load(*methods: DataGenerationMethod) -> BaseOpenAPISchema:
    return schemathesis.from_path(
        OPENAPI,
        app=app,
        data_generation_methods=list(methods),
        # The key is sent explicitly with every request; generated Authorization headers would only be
        # overridden. The `ignored_auth` check still reads the scheme and retries without and with a bad key.
        generation_config=GenerationConfig(with_security_parameters=False),
    )


schema = load(DataGenerationMethod.positive, DataGenerationMethod.negative)


def call_and_check(case: schemathesis.Case) -> None:
    # `ignored_auth` writes a bad key into `case.headers`, which must then be a dict (Schemathesis 3.39).
    case.headers = case.headers or {}
    case.call_and_validate(headers=AUTH, checks=ALL_CHECKS)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a CI failure reproduces locally
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_honours_the_published_contract(case: schemathesis.Case) -> None:
    call_and_check(case)


# -- stateful: follow what one answer says into the next request -------------------------------------------
# The API creates nothing, so "stateful" here means the read chains a client follows: list the rules, then
# fetch one by the ID the list gave; list the drivers, then fetch one. Links are added here, not in the
# document, because they describe test traffic, not the contract. Valid data only: the chain is the point.
chains = load(DataGenerationMethod.positive)
for index in (0, 1, 52):
    chains.add_link(
        source=chains["/v1/rules"]["GET"],
        target=chains["/v1/rules/{rule_id}"]["GET"],
        status_code="200",
        parameters={"path.rule_id": f"$response.body#/{index}/id"},
        name=f"RuleAt{index}",
    )
for index in (0, 5):
    chains.add_link(
        source=chains["/v1/drivers"]["GET"],
        target=chains["/v1/drivers/{driver}"]["GET"],
        status_code="200",
        parameters={"path.driver": f"$response.body#/{index}/driver"},
        name=f"DriverAt{index}",
    )

StateMachine = chains.as_state_machine()


class _Authenticated(StateMachine):  # type: ignore[misc,valid-type]
    def _add_results_to_targets(self, targets, results) -> None:  # type: ignore[no-untyped-def]
        # Schemathesis 3.39 routes each answer to the bundle its links read from by overriding
        # Hypothesis' `_add_result_to_targets`, which newer Hypothesis renamed to this (plural) one; without
        # the same routing here, no link is ever followed. Same logic, new name.
        for result in results:
            target = None if result is None else self._get_target_for_result(result)
            if target is not None:
                super()._add_results_to_targets((target,), [result])

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
        return {"headers": AUTH}

    def validate_response(self, response, case, additional_checks=()) -> None:  # type: ignore[no-untyped-def]
        case.headers = case.headers or {}
        case.validate_response(response, checks=ALL_CHECKS, headers=AUTH)


def test_list_then_get_chains_hold_the_contract() -> None:
    _Authenticated.run(
        settings=settings(
            max_examples=max(EXAMPLES // 2, 10),
            stateful_step_count=4,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_the_fuzz_covers_every_documented_operation() -> None:
    operations = {(op.path, op.method.upper()) for op in (r.ok() for r in schema.get_all_operations())}
    core = {
        ("/healthz", "GET"),
        ("/metrics", "GET"),
        ("/v1/recommendations", "POST"),
        ("/v1/rules", "GET"),
        ("/v1/rules/{rule_id}", "GET"),
        ("/v1/drivers", "GET"),
        ("/v1/drivers/{driver}", "GET"),
    }
    assert core <= operations


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
