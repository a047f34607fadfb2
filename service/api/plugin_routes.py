"""`/v1/plugins`: what became of the third-party drivers the seed article names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from service.api.errors import ErrorEnvelope
from service.plugins import PluginCatalogue, PluginInfo

router = APIRouter(tags=["catalogue"])


async def get_plugins(request: Request) -> PluginCatalogue:
    plugins: PluginCatalogue = request.app.state.plugins
    return plugins


PluginsDep = Annotated[PluginCatalogue, Depends(get_plugins)]


@router.get(
    "/v1/plugins",
    summary="Third-party drivers (Calico, Contiv, Kuryr, Weave): status today and what to use instead",
    response_model=list[PluginInfo],
)
async def list_plugins(plugins: PluginsDep) -> list[PluginInfo]:
    return plugins.all()


@router.get(
    "/v1/plugins/{name}",
    summary="One third-party network driver",
    response_model=PluginInfo,
    responses={404: {"model": ErrorEnvelope, "description": "No plugin of that name."}},
)
async def get_plugin(name: str, plugins: PluginsDep) -> PluginInfo:
    return plugins.get(name)
