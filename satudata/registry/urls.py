from django.urls import path

from satudata.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.business_list, name="list"),
    path("counts/", views.counts, name="counts"),
    path("<str:umkm_code>/", views.business_detail, name="detail"),
]
