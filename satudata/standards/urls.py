from django.urls import path

from satudata.standards import views

app_name = "standards"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("template.xlsx", views.template, name="template"),
    path("table-schema.json", views.schema, name="table_schema"),
]
