from django.urls import path

from satudata.registry import views

app_name = "registry"
urlpatterns: list = []
