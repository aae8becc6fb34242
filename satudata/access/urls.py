from django.urls import path

from satudata.access import views

app_name = "access"
urlpatterns = [
    path("export/counts.csv", views.export_counts, name="export_counts"),
    path("export/businesses.csv", views.export_businesses, name="export_businesses"),
]
