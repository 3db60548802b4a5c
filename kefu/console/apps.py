from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "kefu.console"
    label = "console"
    verbose_name = _("Console")

    def ready(self) -> None:
        from kefu.console.views_orders import order_page_answer
        from kefu.web.order_page import register_order_page

        register_order_page(order_page_answer)
