from django.urls import path

from satudata.standards import catalog

app_name = "catalog"
urlpatterns = [
    path("", catalog.index, name="index"),
    path("variables/<slug:code>/", catalog.variable, name="variable"),
    path("indicators/<slug:code>/", catalog.indicator, name="indicator"),
]
