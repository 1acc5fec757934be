from django.contrib.auth.backends import ModelBackend


class StaffPasswordBackend(ModelBackend):
    """Passwords are for staff only; residents log in by SMS code (no password at all)."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user)
