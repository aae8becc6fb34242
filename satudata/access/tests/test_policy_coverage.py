"""Every URL has an access policy, unclassified URLs are refused, and view modules read domain
models only through ``access.scope``."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.http import HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path

from satudata import urls as project_urls
from satudata.access.policy import URL_POLICIES, policy_for

SATUDATA = Path(__file__).resolve().parents[2]
# Apps whose models hold registry and submission data: only access.scope may query them unscoped.
DOMAIN_APPS = ("registry", "submissions")
# View-module reads of domain models that are not user-facing lists, each with its reason.
ALLOWED_UNSCOPED: dict[str, str] = {}


def walk(patterns, prefix: str = "", namespace: str = ""):
    """Yield (URL name with namespace, route, view) for every URL of a resolver's patterns."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern), pattern.callback


def all_urls():
    return list(walk(get_resolver().url_patterns))


def test_every_url_has_a_policy():
    unclassified = [(name, route) for name, route, view in all_urls() if policy_for(name, view) is None]
    assert unclassified == [], "add these URLs to satudata/access/policy.py URL_POLICIES"


def test_policy_table_names_only_existing_urls():
    names = {name for name, _route, _view in all_urls()}
    stale = sorted(set(URL_POLICIES) - names)
    assert stale == []


def test_every_url_has_a_name():
    unnamed = [route for name, route, _view in all_urls() if not name]
    assert unnamed == []


def _unclassified_view(request):
    return HttpResponse("secret page")


urlpatterns = [path("unclassified/", _unclassified_view, name="unclassified_for_test"),
               *project_urls.urlpatterns]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_url_without_policy_is_refused(client):
    response = client.get("/unclassified/")
    assert response.status_code == 403
    assert b"secret page" not in response.content


def _view_modules() -> list[Path]:
    return sorted(
        p for p in SATUDATA.rglob("*.py")
        if "tests" not in p.parts and (p.name in ("views.py", "api.py") or p.name.endswith("_views.py"))
    )


def _domain_model_names() -> set[str]:
    return {model.__name__ for label in DOMAIN_APPS for model in apps.get_app_config(label).get_models()}


def _unscoped_reads(source: str, models: set[str]) -> list[tuple[int, str]]:
    """Lines where a domain model is read through ``Model.objects`` or ``Model._default_manager``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "_base_manager"):
            if isinstance(node.value, ast.Name) and node.value.id in models:
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        # get_object_or_404(Model, …) and get_list_or_404(Model, …) read through the default manager too.
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "get_object_or_404", "get_list_or_404") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id in models:
                found.append((node.lineno, f"{node.func.id}({first.id})"))
    return found


@pytest.mark.django_db
def test_view_modules_read_domain_models_only_through_scope():
    models = _domain_model_names()
    offenders = []
    for module in _view_modules():
        relative = str(module.relative_to(SATUDATA.parent))
        for line, expression in _unscoped_reads(module.read_text(), models):
            key = f"{relative}:{expression}"
            if key not in ALLOWED_UNSCOPED:
                offenders.append(f"{relative}:{line} {expression}")
    assert offenders == [], "read these through satudata.access.scope.scoped(request.user, Model)"


def test_unscoped_read_detector_finds_direct_manager_use():
    source = "def view(request):\n    return Business.objects.filter(name='x')\n"
    assert _unscoped_reads(source, {"Business"}) == [(2, "Business.objects")]


def test_unscoped_read_detector_finds_get_object_or_404():
    source = "def view(request, pk):\n    return get_object_or_404(Submission, pk=pk)\n"
    assert _unscoped_reads(source, {"Submission"}) == [(2, "get_object_or_404(Submission)")]


def test_unscoped_read_detector_accepts_scoped_queryset():
    source = "def view(request):\n    return scoped(request.user, Business).filter(name='x')\n"
    assert _unscoped_reads(source, {"Business"}) == []
