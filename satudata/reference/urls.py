from django.urls import path

from satudata.reference import views

app_name = "reference"
urlpatterns = [
    path("", views.code_lists, name="lists"),
    path("<slug:kind>/compare/", views.compare, name="compare"),
    path("<slug:kind>/crosswalks/<str:older>/<str:newer>/", views.crosswalk_pairs, name="crosswalk"),
    path(
        "<slug:kind>/crosswalks/<str:older>/<str:newer>/pairs/<int:pair_id>/review/",
        views.review_pair,
        name="review",
    ),
    path("<slug:kind>/<str:edition>/", views.edition_detail, name="edition"),
]
