from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import AccountRequest, Role, User
from satudata.audit.models import Action
from satudata.audit.services import client_ip, record
from satudata.producers.models import Producer


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled. Contact the walidata administrator."),
        "expired": _(
            "This account passed its review date on {date} and cannot sign in until the walidata "
            "administrator renews it."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_expired:
            record(Action.SIGN_IN_EXPIRED, actor=user, source_ip=client_ip(self.request))
            message = str(self.error_messages["expired"]).format(date=formats.date_format(user.expires_on))
            raise forms.ValidationError(message, code="expired")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The 6-digit code from the authenticator app, or one of the recovery codes."),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "").replace("-", "")


def split_codes(text: str) -> list[str]:
    """Codes typed as a list separated by commas, semicolons, spaces or new lines."""
    return [part for part in text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",") if part]


class AccountRequestForm(forms.Form):
    REQUESTABLE_ROLES = [(value, label) for value, label in Role.choices if value != Role.WALIDATA_ADMIN]

    organization = forms.CharField(label=_("Requesting office"), max_length=200)
    purpose = forms.CharField(label=_("Purpose of the data use"), widget=forms.Textarea(attrs={"rows": 3}))
    requested_role = forms.ChoiceField(
        label=_("Kind of account"), choices=REQUESTABLE_ROLES, initial=Role.DATA_USER
    )
    requested_level = forms.ChoiceField(
        label=_("Data level"), choices=AccountRequest.Level.choices, initial=AccountRequest.Level.AGGREGATE
    )
    requested_regions = forms.CharField(
        label=_("Regions"),
        required=False,
        help_text=_("Kemendagri codes separated by commas, such as 32.73 for Kota Bandung. Empty for none."),
    )
    requested_kbli = forms.CharField(
        label=_("KBLI sectors"),
        required=False,
        help_text=_("KBLI category letters or two-digit divisions separated by commas, such as C, 47."),
    )
    full_name = forms.CharField(label=_("Administrator's name"), max_length=150)
    nik = forms.RegexField(
        label=_("Administrator's NIK"),
        regex=r"^\d{16}$",
        max_length=16,
        error_messages={"invalid": _("A NIK has exactly 16 digits.")},
    )
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^\+?[0-9 ()-]{8,20}$",
        max_length=20,
        error_messages={"invalid": _("Give a phone number of 8 to 20 digits.")},
    )
    position = forms.CharField(label=_("Position"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.RegexField(
        label=_("Requested user name"),
        regex=r"^[a-z0-9][a-z0-9._-]{2,40}$",
        error_messages={
            "invalid": _("Use 3 to 41 lower-case letters, digits, dots, hyphens or underscores.")
        },
    )
    cover_letter = forms.FileField(label=_("Cover letter (PDF)"))
    statement = forms.FileField(label=_("Signed confidentiality statement (PDF)"))
    accept = forms.BooleanField(label=_("The administrator accepts the confidentiality statement above."))

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        taken = (
            User.objects.filter(username=username).exists()
            or AccountRequest.objects.filter(username=username, state=AccountRequest.State.PENDING).exists()
        )
        if taken:
            raise forms.ValidationError(_("The user name {username} is taken.").format(username=username))
        return username


class ScopeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    producer = forms.ModelChoiceField(
        label=_("Producer"),
        queryset=None,
        required=False,
        help_text=_("Required for producers and enumerators."),
    )
    regions = forms.CharField(
        label=_("Regions"),
        required=False,
        help_text=_("Kemendagri codes separated by commas; empty means no region limit."),
    )
    kbli = forms.CharField(
        label=_("KBLI sectors"),
        required=False,
        help_text=_("Category letters or two-digit divisions separated by commas."),
    )
    by_name = forms.BooleanField(
        label=_("By-name access"),
        required=False,
        help_text=_("Takes effect only while a confidentiality statement of the user is on record."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = Producer.objects.filter(is_active=True).order_by("code")


class ApprovalForm(ScopeForm):
    pass


class UserScopeForm(ScopeForm):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant receives this text by e-mail."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
