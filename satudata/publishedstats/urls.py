from django.urls import path

from satudata.publishedstats import views

app_name = "publishedstats"
urlpatterns = [
    path("", views.compare, name="compare"),
]
