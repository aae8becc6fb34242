from django.urls import path

from satudata.submissions import views

app_name = "submissions"
urlpatterns = [
    path("", views.submission_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/mapping/", views.confirm_mapping, name="mapping"),
    path("<int:pk>/progress.json", views.progress, name="progress"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/corrections/", views.corrections, name="corrections"),
    path("<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("overview/", views.overview, name="overview"),
    path("<int:pk>/errors.csv", views.errors_csv, name="errors_csv"),
    path("<int:pk>/errors.xlsx", views.errors_xlsx, name="errors_xlsx"),
]
