from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.producers.models import Producer


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"),
                           help_text=_("The template, your office's own spreadsheet, or a SIDT-UMKM export."))
    reference_year = forms.IntegerField(
        label=_("Reference year"), min_value=2000,
        help_text=_("The year the amounts and workers refer to, used when the file has no year column."),
    )
    kbli_edition = forms.ChoiceField(
        label=_("KBLI edition of the file"), required=False,
        help_text=_("The edition the file's KBLI codes are written in. Codes are checked and kept in this edition."),
    )
    producer = forms.ModelChoiceField(queryset=Producer.objects.none(), label=_("Producer"), required=True)

    def __init__(self, *args, user=None, **kwargs):
        from satudata.reference.loaders import kbli_edition_label
        from satudata.submissions.services import kbli_editions

        super().__init__(*args, **kwargs)
        self.fields["kbli_edition"].choices = [("", _("Current edition"))] + [
            (name, kbli_edition_label(name)) for name in kbli_editions()
        ]
        self.fields["reference_year"].initial = timezone.localdate().year - 1
        self.fields["reference_year"].max_value = timezone.localdate().year
        if user is not None and user.is_producer_user:
            del self.fields["producer"]
        else:
            self.fields["producer"].queryset = Producer.objects.filter(is_active=True)


class MappingForm(forms.Form):
    """One choice per column of the file: a variable of the standard, or not stored."""

    def __init__(self, *args, columns=(), variables=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not stored —"))] + [(v.code, f"{v.label} ({v.code})") for v in variables]
        for column in columns:
            self.fields[f"column_{column['index']}"] = forms.ChoiceField(
                label=column["header"], choices=choices, required=False, initial=column["variable"],
            )

    def overrides(self) -> dict[int, str]:
        return {int(name.split("_", 1)[1]): value for name, value in self.cleaned_data.items()}
