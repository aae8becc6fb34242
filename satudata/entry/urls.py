from django.urls import path

from satudata.entry import views

app_name = "entry"
urlpatterns = [
    path("", views.draft, name="draft"),
    path("records/new/", views.record, name="new"),
    path("records/<int:sequence>/", views.record, name="edit"),
    path("records/<int:sequence>/delete/", views.delete, name="delete"),
    path("check/", views.check, name="check"),
    path("regions/", views.regions, name="regions"),
    path("submit/", views.submit, name="submit"),
]
