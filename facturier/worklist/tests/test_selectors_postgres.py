"""The worklist's page queries on PostgreSQL: each tab is an index range scan, never a sort of every
item (what made the old screen take a second at 1M invoices)."""

from __future__ import annotations

import pytest
from django.db import connection

from facturier.worklist.models import WorkItem, WorkItemKind
from facturier.worklist.selectors import Cursor, Tab, work_items_tab
from facturier.worklist.services import work_item_open

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _plan(tab: str, **filters: object) -> str:
    cursor = Cursor(WorkItem.objects.order_by("id").first().created_at, 1)  # type: ignore[union-attr]
    qs = work_items_tab(tab=tab, **filters)
    if tab == Tab.OPEN:  # the orders and bounds work_item_page uses
        qs = qs.filter(created_at__gte=cursor.at).order_by("created_at", "id")[:51]
    else:
        qs = qs.filter(created_at__lte=cursor.at).order_by("-created_at", "-id")[:51]
    with connection.cursor() as c:
        # The planner's choice on a tiny table is a sequential scan; what matters here is that an
        # index serves the order, so forbid the alternative and read the plan.
        c.execute("SET LOCAL enable_seqscan = off")
        c.execute("SET LOCAL enable_sort = off")
        return qs.explain()


@pytest.mark.parametrize(
    ("tab", "filters"),
    [
        (Tab.OPEN, {}),
        (Tab.OPEN, {"kind": WorkItemKind.COMPLAINT}),
        (Tab.AUTO_CLOSED, {}),
        (Tab.CLOSED, {"kind": WorkItemKind.COMPLAINT}),
        (Tab.OPEN, {"assignee_id": 1}),
    ],
)
def test_each_tab_is_read_in_index_order_without_a_sort(tab: str, filters: dict[str, object]) -> None:
    for i in range(20):
        work_item_open(kind=WorkItemKind.COMPLAINT, title=f"c{i}", dedupe=False)
    plan = _plan(tab, **filters)
    # Which of the worklist_* indexes wins depends on statistics; that one of them gives the order does not.
    scan = next(line for line in plan.splitlines() if "on worklist_workitem" in line)
    assert "Index" in scan and "using worklist_" in scan, plan
    assert "Sort" not in plan, plan
