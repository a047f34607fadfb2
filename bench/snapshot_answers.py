"""Answer snapshots: prove a speed change left every answer byte-identical.

Posts every `cases` request of rules/selection/*.yaml (each with four deployment variants) and 1,000
distinct generated requests (bench/distinct.py) through `create_app()` and TestClient, in JSON, Markdown
and text, plus the `?q=` route and the catalogue routes, and writes each answer's status and body to one
file. Run it before a change with `--write DIR` and after with `--compare DIR`:

    .venv/bin/python bench/snapshot_answers.py --write /tmp/answers-before
    .venv/bin/python bench/snapshot_answers.py --compare /tmp/answers-before

Each request is sent twice, so a response cache that answered the second copy differently shows up too.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distinct import distinct_requests

from service.api.app import create_app
from service.catalogue import default_rules_dir
from service.settings import Settings

DEPLOYMENTS: list[dict[str, Any]] = [
    {},
    {"network_name": "shop", "image": "registry.example.com/shop/web:2.1", "container_name": "web"},
    {"subnet": "10.40.0.0/24", "gateway": "10.40.0.1", "ip_range": "10.40.0.128/26", "mtu": 1400},
    {"parent_interface": "enp3s0", "ipv6_subnet": "fd00:40::/64", "advertise_addr": "10.0.0.5"},
]
FORMATS = ("json", "markdown", "text")
LANGS = ("en", "zh")
# The POST answers' headers that are part of the answer (GETs add ETag, Cache-Control and Vary: Accept).
ANSWER_HEADERS = ("content-type", "content-language", "vary", "content-length")
QUERIES = [
    "cross-host swarm encrypted ports=80,443",
    "own-ip cloud=aws",
    "",
    "network=none",
    "own-mac vlan=20",
]
GET_PATHS = [
    "/v1/rules",
    "/v1/drivers",
    "/v1/review-rules",
    "/v1/plugins",
    "/v1/rules/NA001",
    "/v1/drivers/host",
]


def case_bodies() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted((default_rules_dir() / "selection").glob("NA*.yaml")):
        data = yaml.safe_load(path.read_text())
        cases += data.get("cases", {}).get("fires", []) + data.get("cases", {}).get("silent", [])
    unique = {json.dumps(case, sort_keys=True): case for case in cases}
    return [{"requirements": r, "deployment": d} for r, d in itertools.product(unique.values(), DEPLOYMENTS)]


def answers() -> dict[str, str]:
    """Every request's `status sha256(body)`, keyed by a readable name of the request."""
    out: dict[str, str] = {}
    with TestClient(create_app(Settings(log_level="warning"))) as client:

        def record(name: str, status: int, body: bytes, headers: str = "") -> None:
            out[name] = f"{status} {hashlib.sha256(body).hexdigest()}{headers}"

        for index, body in enumerate(case_bodies() + distinct_requests(1000)):
            formats = FORMATS if index < 2000 else ("json",)
            for output, lang, attempt in itertools.product(formats, LANGS, (1, 2)):
                response = client.post(f"/v1/recommendations?format={output}&lang={lang}", json=body)
                name = f"POST {output} {lang} #{attempt} {json.dumps(body, sort_keys=True)}"
                shown = "".join(f" {key}={response.headers.get(key)}" for key in ANSWER_HEADERS)
                record(name, response.status_code, response.content, shown)
        for query, output, lang in itertools.product(QUERIES, FORMATS, LANGS):
            params = {"q": query, "format": output, "lang": lang}
            response = client.get("/v1/recommendations", params=params)
            record(f"GET q={query!r} {output} {lang}", response.status_code, response.content)
        for path, lang in itertools.product(GET_PATHS, LANGS):
            response = client.get(path, params={"lang": lang})
            record(f"GET {path} {lang}", response.status_code, response.content)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--compare", type=Path)
    args = parser.parse_args()
    current = answers()
    if args.write is not None:
        args.write.mkdir(parents=True, exist_ok=True)
        (args.write / "answers.json").write_text(json.dumps(current, indent=0, sort_keys=True))
        print(f"{len(current)} answers written to {args.write}")
        return
    stored: dict[str, str] = json.loads((args.compare / "answers.json").read_text())
    differ = sorted(name for name in stored.keys() | current.keys() if stored.get(name) != current.get(name))
    for name in differ[:20]:
        print(f"DIFFERS: {name[:200]}\n  before {stored.get(name)}\n  after  {current.get(name)}")
    print(f"{len(current)} answers, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
