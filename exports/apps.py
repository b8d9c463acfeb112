from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Exports")

    def ready(self):
        from . import services  # noqa: F401  (connects the stored-file cleanup on delete)
