"""The admin screens' forms: a new account, a role change, a new API token."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from facturier.accounts.roles import Role
from facturier.web.labels import ROLE_LABELS

ROLE_CHOICES = [(r.value, ROLE_LABELS[r.value]) for r in Role]


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[RegexValidator(r"^[\w.@+-]+\Z", _("letters, digits and @ . + - _ only"))],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Role.VIEWER.value)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        password = data.get("password")
        if password:
            try:
                validate_password(str(password))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("what the token is for, e.g. erp-prod"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
