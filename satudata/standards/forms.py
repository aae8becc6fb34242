from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.standards.computation import DISAGGREGATIONS
from satudata.standards.models import AttributeDefinition, Confidentiality, Variable


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class ExtraFieldsMixin:
    """Adds one form field per declared further characteristic of a metadata target."""

    target: str = ""

    def add_extra_fields(self, initial: dict) -> None:
        self.extra_codes = []
        for definition in AttributeDefinition.objects.filter(target=self.target):
            name = f"extra_{definition.code}"
            if definition.datatype == AttributeDefinition.DataType.CHOICE:
                field = forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in definition.choices])
            elif definition.datatype == AttributeDefinition.DataType.BOOLEAN:
                field = forms.BooleanField()
            elif definition.datatype == AttributeDefinition.DataType.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
            elif definition.datatype == AttributeDefinition.DataType.NUMBER:
                field = forms.FloatField()
            else:
                field = forms.CharField()
            field.required = definition.required
            field.label = definition.label
            field.help_text = definition.description
            field.initial = (initial or {}).get(definition.code)
            self.fields[name] = field
            self.extra_codes.append(definition.code)

    def extra_values(self) -> dict:
        return {code: self.cleaned_data.get(f"extra_{code}") for code in self.extra_codes}


class VariableForm(ExtraFieldsMixin, forms.Form):
    target = AttributeDefinition.Target.VARIABLE

    code = forms.SlugField(label=_("Code"), max_length=60, help_text=_("Lower-case letters, digits and _; such as sells_online."))
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200)
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea(attrs={"rows": 3}))
    definition_en = forms.CharField(label=_("English definition"), widget=forms.Textarea(attrs={"rows": 3}))
    datatype = forms.ChoiceField(label=_("Type"), choices=Variable.DataType.choices)
    code_list = forms.CharField(label=_("Code list"), required=False, help_text=_("For coded variables: sex, legal_form, kbli, …"))
    minimum = forms.FloatField(label=_("Minimum"), required=False)
    maximum = forms.FloatField(label=_("Maximum"), required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    kind = forms.ChoiceField(label=_("Data kind"), choices=Variable.Kind.choices)
    time_reference = forms.CharField(label=_("Time reference"), max_length=200,
                                     help_text=_("Such as: reference year, at submission."))
    time_reference_en = forms.CharField(label=_("English time reference"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    is_personal = forms.BooleanField(label=_("Personal data"), required=False)
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Confidentiality.choices)
    aliases = forms.CharField(label=_("Column names seen in producers' files"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line."))
    concept = forms.CharField(label=_("Concept"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    question = forms.CharField(label=_("Question wording"), required=False)
    is_public = forms.BooleanField(label=_("Publicly accessible"), required=False, initial=True)

    def __init__(self, *args, extra_initial=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
        self.add_extra_fields(extra_initial or {})

    def variable_data(self) -> dict:
        data = self.cleaned_data
        domain = {k: data[k] for k in ("minimum", "maximum") if data.get(k) is not None}
        return {
            "name": data["name"], "name_en": data["name_en"], "definition": data["definition"],
            "definition_en": data["definition_en"], "datatype": data["datatype"], "code_list": data["code_list"].strip(),
            "domain": domain, "required": data["required"], "kind": data["kind"],
            "time_reference": data["time_reference"], "time_reference_en": data["time_reference_en"],
            "unit": data["unit"], "is_personal": data["is_personal"], "confidentiality": data["confidentiality"],
            "aliases": _lines(data["aliases"]), "concept": data["concept"], "question": data["question"],
            "is_public": data["is_public"], "extra": self.extra_values(),
        }


class IndicatorForm(ExtraFieldsMixin, forms.Form):
    target = AttributeDefinition.Target.INDICATOR

    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    concept = forms.CharField(label=_("Concept"), widget=forms.Textarea(attrs={"rows": 2}))
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea(attrs={"rows": 3}))
    interpretation = forms.CharField(label=_("Interpretation"), widget=forms.Textarea(attrs={"rows": 2}))
    formula = forms.CharField(label=_("Formula"), help_text=_(
        "Aggregates over the variables: count(), share(condition), sum(x), mean(x), median(x), min(x), max(x), "
        "present(x). Example: share(business_scale == 'MIKRO')."))
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    disaggregations = forms.MultipleChoiceField(label=_("Disaggregations"), required=False,
                                                choices=[(k, k) for k in DISAGGREGATIONS],
                                                widget=forms.CheckboxSelectMultiple)
    estimation_level = forms.CharField(label=_("Estimation level"), max_length=100, required=False)
    is_public = forms.BooleanField(label=_("Publicly accessible"), required=False, initial=True)

    def __init__(self, *args, extra_initial=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
        self.add_extra_fields(extra_initial or {})

    def indicator_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in (
            "name", "name_en", "concept", "definition", "interpretation", "formula", "unit", "disaggregations",
            "estimation_level", "is_public")}
        data["extra"] = self.extra_values()
        return data


class AgreementForm(forms.Form):
    agreed_on = forms.DateField(label=_("Date of the forum's agreement"), widget=forms.DateInput(attrs={"type": "date"}))
    decision = forms.CharField(label=_("Decision reference"), max_length=200)


class PublishForm(forms.Form):
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))


class AttributeForm(forms.ModelForm):
    class Meta:
        model = AttributeDefinition
        fields = ["target", "code", "name", "name_en", "description", "datatype", "choices", "required"]
