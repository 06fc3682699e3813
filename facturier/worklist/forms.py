"""Parsing of the worklist's list query and action forms (errors name the field)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from facturier.worklist.models import WorkItemKind
from facturier.worklist.selectors import Cursor, Tab

# Resolutions clerks pick most; "other" asks for the free text. Stored as shown (the clerk's words).
RESOLUTIONS = [
    ("", _("— choose —")),
    ("customer_contacted", _("Customer contacted")),
    ("answered", _("Answered the customer")),
    ("handled_in_erp", _("Handled in the ERP")),
    ("sent_by_post", _("Sent by post")),
    ("duplicate", _("Duplicate")),
    ("nothing_to_do", _("Nothing to do")),
    ("other", _("Other (say how below)")),
]


@dataclass(frozen=True)
class ListQuery:
    tab: str = Tab.OPEN
    kind: str = ""
    mine: bool = False
    after: Cursor | None = None
    before: Cursor | None = None


def list_query(params: QueryDict) -> ListQuery:
    """The list's GET parameters; anything unknown falls back to the default rather than an error
    (they come from links, and a stale bookmark should still open the worklist)."""
    tab = params.get("tab", Tab.OPEN)
    kind = params.get("kind", "")
    return ListQuery(
        tab=tab if tab in Tab.ALL else Tab.OPEN,
        kind=kind if kind in WorkItemKind.values else "",
        mine=params.get("mine") == "1",
        after=Cursor.decode(params.get("after")),
        before=Cursor.decode(params.get("before")),
    )


class CloseForm(forms.Form):
    choice = forms.ChoiceField(label=_("Resolution"), choices=RESOLUTIONS, required=False)
    text = forms.CharField(label=_("In your words"), required=False, max_length=250)

    def clean(self) -> dict[str, str]:
        data = super().clean() or {}
        choice, text = data.get("choice") or "", (data.get("text") or "").strip()
        if (not choice or choice == "other") and not text:
            raise forms.ValidationError(_("Say how it was resolved."))
        label = "" if choice in ("", "other") else str(dict(RESOLUTIONS)[choice])
        data["resolution"] = f"{label}: {text}" if label and text else (label or text)
        return data


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectAddressForm(forms.Form):
    old_address = forms.ChoiceField(label=_("Replace"), choices=())
    new_address = forms.EmailField(label=_("New e-mail address"), max_length=254)

    def __init__(self, *args: object, addresses: list[str], initial_old: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["old_address"].choices = [(a, a) for a in addresses]
        if initial_old:
            self.fields["old_address"].initial = initial_old


class VerifyForm(forms.Form):
    email = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
