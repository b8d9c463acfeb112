from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapappConfig(AppConfig):
    name = "mapapp"
    verbose_name = _("Organizations and users")
