"""The top navigation, as data. Add a screen by adding a NavItem; an entry whose URL name does not
resolve yet (its app has not routed it) is left out, so the nav can list screens before they exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from facturier.accounts.roles import Role, has_role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    shortcut: str  # the key pressed after "g" (see static/web/app.js)
    role: Role = Role.VIEWER  # shown to this role and above (the view checks again)


NAV_ITEMS: list[NavItem] = [
    NavItem("dashboard:index", _("Dashboard"), "d"),
    NavItem("web:invoice-list", _("Invoices"), "i"),
    NavItem("web:customer-list", _("Customers"), "c"),
    NavItem("worklist:index", _("Worklist"), "w"),
    NavItem("bulk:index", _("Bulk actions"), "b"),
    NavItem("web:outbox", _("Outbox"), "o"),
    NavItem("accounts:users", _("Users"), "u", Role.ADMIN),
    NavItem("webhooks:endpoints", _("Webhooks"), "h", Role.ADMIN),
]


def url_or_none(url_name: str, *args: object) -> str | None:
    try:
        return reverse(url_name, args=args or None)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    shortcut: str
    active: bool


def nav_links(path: str, user: Any = None) -> list[NavLink]:
    links = []
    for item in NAV_ITEMS:
        if item.role != Role.VIEWER and not has_role(user, item.role):
            continue
        url = url_or_none(item.url_name)
        if url is None:
            continue
        links.append(NavLink(url=url, label=str(item.label), shortcut=item.shortcut, active=path.startswith(url)))
    return links
