from django.urls import path

from satudata.submissions import views

app_name = "submissions"
urlpatterns: list = []
