"""The Compose keys the review knows, from the Compose specification's JSON schema.

Compose rejects a key it does not know ("additional property ... not allowed"), and a misspelt network key
(`network:` for `networks:`, `ipv4_adress:`) would otherwise make the review silently check something
other than what was meant. So the review rejects unknown keys where it reads: top level, services,
networks and their IPAM blocks, and a service's network attachments. `x-` keys are always allowed.

`tests/review/test_merge.py` checks these sets against `tests/schemas/compose-spec.json` (commit
170098ba of compose-spec), so a schema update that adds a key fails a test instead of rejecting files.
"""

from __future__ import annotations

from typing import Final

TOP_LEVEL: Final = frozenset(
    {"configs", "include", "models", "name", "networks", "secrets", "services", "version", "volumes"}
)

SERVICE: Final = frozenset(
    {
        "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent",
        "command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota",
        "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on",
        "deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname",
        "entrypoint", "env_file", "environment", "expose", "extends", "external_links", "extra_hosts",
        "gpus", "group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation", "label_file",
        "labels", "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness",
        "memswap_limit", "models", "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid",
        "pids_limit", "platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider",
        "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale", "secrets",
        "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt",
        "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes",
        "volumes_from", "working_dir",
    }
)  # fmt: skip

NETWORK: Final = frozenset(
    {
        "attachable", "driver", "driver_opts", "enable_ipv4", "enable_ipv6", "external", "internal", "ipam",
        "labels", "name",
    }
)  # fmt: skip

IPAM: Final = frozenset({"config", "driver", "options"})

IPAM_POOL: Final = frozenset({"aux_addresses", "gateway", "ip_range", "subnet"})

ATTACHMENT: Final = frozenset(
    {
        "aliases", "driver_opts", "gw_priority", "interface_name", "ipv4_address", "ipv6_address",
        "link_local_ips", "mac_address", "priority",
    }
)  # fmt: skip

PORT_LONG: Final = frozenset({"app_protocol", "host_ip", "mode", "name", "protocol", "published", "target"})

# Service keys whose value replaces the earlier file's instead of merging (compose-spec 13-merge.md).
REPLACED_ON_MERGE: Final = frozenset({"command", "entrypoint"})

# The Compose extension keys this tool reads.
REQUIREMENTS_KEY: Final = "x-network-requirements"
IGNORE_KEY: Final = "x-netadvisor-ignore"
