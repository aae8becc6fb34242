from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's model backend; an expired account still authenticates here so that the sign-in
    form can name the expiry (``SignInForm.confirm_login_allowed``) instead of a wrong password.
    ``AccessMiddleware`` refuses expired accounts on every request."""
