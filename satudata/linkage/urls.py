from django.urls import path

from satudata.linkage import views

app_name = "linkage"
urlpatterns = [
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
]
