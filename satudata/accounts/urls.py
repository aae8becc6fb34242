from django.urls import path

from satudata.accounts import views, walidata_views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("request/", views.account_request, name="request"),
    path("request/sent/", views.account_request_sent, name="request_sent"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("set-password/done/", views.SetPasswordDoneView.as_view(), name="set_password_done"),
    path("requests/", walidata_views.request_list, name="requests"),
    path("requests/<int:pk>/", walidata_views.request_detail, name="request_detail"),
    path("requests/<int:pk>/<str:document>.pdf", walidata_views.request_document, name="request_document"),
    path("users/", walidata_views.user_list, name="users"),
    path("users/<int:pk>/", walidata_views.user_detail, name="user_detail"),
    path("sessions/", walidata_views.concurrent_sessions, name="sessions"),
]
