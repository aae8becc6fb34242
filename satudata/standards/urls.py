from django.urls import path

from satudata.standards import views

app_name = "standards"
urlpatterns: list = []
