from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "kefu.organization"
    label = "organization"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from kefu.organization import config_cache

        config_cache.connect()
        from kefu.organization import config

        config.register_revision_kinds()  # areas and outlets change from a date (organization.revisions)
        from django.db.models.signals import post_migrate

        # SQLite drops a table's triggers when a migration rebuilds it: put the version triggers back. Sent
        # once per app after the whole migrate; listening for this app only runs the check once.
        post_migrate.connect(
            lambda **kw: config_cache.ensure_sqlite_triggers(kw.get("using", "default")),
            sender=self,
            dispatch_uid="config-cache-triggers",
            weak=False,
        )
