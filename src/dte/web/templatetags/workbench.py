"""The workbench's cards (``{% workbench %}``, on the signed-in home page) and the role menu
(``{% role_menu %}``, on every page), built by ``dte.web.workbench``."""

from __future__ import annotations

from django import template

from dte.core import clock
from dte.web import workbench as wb

register = template.Library()


@register.inclusion_tag("web/_workbench.html", takes_context=True)
def workbench(context) -> dict:
    user = context["request"].user
    return {"groups": wb.groups_for(user, clock.today()), "today": clock.today()}


@register.inclusion_tag("web/_role_menu.html", takes_context=True)
def role_menu(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    path = request.path if request is not None else ""
    return {"items": wb.menu_for(user), "path": path}
