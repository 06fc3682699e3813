"""GET /worklist/: open items by kind (oldest first), assigned to me, closed automatically (with
why), closed by people; keyset pages of 50. An htmx request gets the table alone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facturier.dashboard.labels import WORK_ITEM_KIND_LABELS, label
from facturier.web.access import reader_required
from facturier.web.views.htmx import vary_on_htmx, wants_fragment
from facturier.worklist import selectors
from facturier.worklist.forms import list_query
from facturier.worklist.models import WorkItemKind
from facturier.worklist.selectors import Tab

# The kinds the issue names are always offered as filters; the others appear once they have items.
MAIN_KINDS = (
    WorkItemKind.INVALID_ADDRESS,
    WorkItemKind.SOFT_BOUNCE_EXHAUSTED,
    WorkItemKind.COMPLAINT,
    WorkItemKind.HUMAN_REPLY,
    WorkItemKind.UNMATCHED_RETURN,
    WorkItemKind.UNCERTAIN_DISPATCH,
)


@require_GET
@reader_required
def index(request: HttpRequest) -> HttpResponse:
    query = list_query(request.GET)
    me = request.user.pk
    page = selectors.work_item_page(
        tab=query.tab, kind=query.kind, assignee_id=me if query.mine else None, after=query.after, before=query.before
    )
    rows = [(item, label(WORK_ITEM_KIND_LABELS, item.kind)) for item in page.rows]
    context = {"query": query, "page": page, "rows": rows, "tab": query.tab}
    if wants_fragment(request):
        return vary_on_htmx(render(request, "worklist/_table.html", context))
    counts = selectors.open_counts_by_kind()
    kinds = [
        (code, label(WORK_ITEM_KIND_LABELS, code), counts.get(code, 0))
        for code in WorkItemKind.values
        if code in MAIN_KINDS or counts.get(code) or code == query.kind
    ]
    context |= {
        "kinds": kinds,
        "open_total": sum(counts.values()),
        "mine_count": selectors.open_assigned_count(user_id=me),
        "tabs": Tab,
    }
    return vary_on_htmx(render(request, "worklist/index.html", context))
