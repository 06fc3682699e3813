"""The worklist screens: open items by kind (oldest first), the auto-closed tab, an item's detail with
its returned message shown as text, and closing with a resolution (operators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from facturier.accounts.roles import Role, has_role
from facturier.returns.selectors import inbound_view
from facturier.web.access import reader_required
from facturier.worklist import selectors
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import work_item_close

TABS = ("open", "auto_closed")


@require_GET
@reader_required
def index(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "open")
    tab = tab if tab in TABS else "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in WorkItemKind.values else ""
    if tab == "open":
        items = selectors.work_items_open(kind=kind)[: selectors.LIST_LIMIT]
    else:
        items = selectors.work_items_auto_closed()[: selectors.LIST_LIMIT]
    counts = selectors.open_counts_by_kind()
    context = {
        "tab": tab,
        "kind": kind,
        "items": items,
        "kinds": [(k, label, counts.get(k, 0)) for k, label in WorkItemKind.choices],
        "open_total": sum(counts.values()),
    }
    return render(request, "worklist/index.html", context)


def _item(pk: int) -> WorkItem:
    try:
        return selectors.work_item_detail(pk=pk)
    except WorkItem.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
@reader_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(pk)
    context = {
        "item": item,
        "message": inbound_view(inbound=item.inbound) if item.inbound_id else None,
        "can_close": item.state == WorkItemState.OPEN and has_role(request.user, Role.OPERATOR),
    }
    return render(request, "worklist/detail.html", context)


@require_POST
@reader_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_role(request.user, Role.OPERATOR):
        raise PermissionDenied
    item = _item(pk)
    resolution = request.POST.get("resolution", "").strip()
    if item.state != WorkItemState.OPEN:
        messages.info(request, _("This item was already closed."))
    elif not resolution:
        messages.error(request, _("Say how it was resolved."))
        return redirect("worklist:detail", pk=pk)
    else:
        work_item_close(item=item, resolution=resolution, user_id=request.user.pk)
        messages.success(request, _("Closed."))
    return redirect("worklist:index")
