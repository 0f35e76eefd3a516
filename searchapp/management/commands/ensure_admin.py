import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the merchandisers' admin account if it does not exist (password from DJANGO_ADMIN_PASSWORD)."
    )

    def handle(self, *args, **options):
        user_model = get_user_model()
        username = os.environ.get("DJANGO_ADMIN_USER", "admin")
        if user_model.objects.filter(username=username).exists():
            self.stdout.write(f"admin account {username!r} exists")
            return
        password = os.environ.get("DJANGO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        # Printed once so the operator of a fresh demo can sign in; set DJANGO_ADMIN_PASSWORD to choose it.
        self.stdout.write(f"created admin account {username!r} with password {password!r}")
