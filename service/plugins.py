"""Third-party network drivers the seed article names (Calico, Contiv, Kuryr, Weave): their status today.

netadvisor never ranks these; it answers "what became of X, and what do I use instead" from
`rules/plugins.yaml`, loaded and validated once at start-up like the rest of the catalogue.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.errors import CatalogueError, NotFound
from service.models import Driver

PLUGINS_FILE = "plugins.yaml"


class PluginStatus(StrEnum):
    discontinued = "discontinued"  # the project itself dropped its Docker plugin
    abandoned = "abandoned"  # no maintainer, no releases
    unmaintained = "unmaintained"  # archived upstream; at most a community fork
    niche = "niche"  # maintained, but only meaningful inside one platform


class PluginInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Lower-case key, as in `/v1/plugins/{name}`.")
    title: str
    status: PluginStatus
    status_detail: str = Field(description="Where the project stands, in a few sentences.")
    source: str = Field(pattern=r"^https://", description="Where the status comes from.")
    references: list[str] = Field(default_factory=list)
    instead: str = Field(description="What to use instead, in words.")
    use_instead: list[Driver] = Field(min_length=1, description="The built-in drivers that cover the need.")


class PluginFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plugins: list[PluginInfo]


class PluginCatalogue:
    def __init__(self, plugins: list[PluginInfo]) -> None:
        self._by_name = {plugin.name: plugin for plugin in plugins}
        if len(self._by_name) != len(plugins):
            raise CatalogueError(f"{PLUGINS_FILE}: two plugins share a name")

    def all(self) -> list[PluginInfo]:
        return list(self._by_name.values())

    def get(self, name: str) -> PluginInfo:
        try:
            return self._by_name[name.lower()]
        except KeyError:
            valid = ", ".join(self._by_name)
            raise NotFound(f"no plugin {name!r}; known plugins: {valid}", {"plugin": name}) from None


def load_plugins(rules_dir: Path) -> PluginCatalogue:
    path = rules_dir / PLUGINS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return PluginCatalogue(PluginFile.model_validate(data).plugins)
    except FileNotFoundError:
        raise CatalogueError(f"{PLUGINS_FILE} is missing from the rules folder") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{PLUGINS_FILE}: {exc}") from None
