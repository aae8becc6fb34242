from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from satudata.access.scope import scoped_businesses
from satudata.publishedstats.comparison import compare_dataset
from satudata.publishedstats.models import PublishedDataset


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """Published regency figures next to the registry's counts, for the walidata."""
    if not (request.user.is_walidata or request.user.is_superuser):
        raise Http404
    datasets = list(PublishedDataset.objects.all())
    chosen = next((d for d in datasets if d.slug == request.GET.get("dataset")), datasets[0] if datasets else None)
    rows = compare_dataset(chosen, scoped_businesses(request.user)) if chosen else []
    return render(request, "publishedstats/compare.html", {"datasets": datasets, "chosen": chosen, "rows": rows})
