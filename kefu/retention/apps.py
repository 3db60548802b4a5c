from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """How long each kind of personal data is kept, and the job that deletes or anonymises it after that
    (docs/privacy.md, "Retention")."""

    name = "kefu.retention"
    label = "retention"
    verbose_name = _("Retention")
