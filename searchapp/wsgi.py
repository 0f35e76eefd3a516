import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "searchapp.settings")
application = get_wsgi_application()

if os.environ.get("SEARCH_WARM_UP", "1") == "1":
    from searchapp.warmup import warm_up

    warm_up()
