"""The NinjaAPI mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.openapi.schema import OpenAPISchema

from kefu.api import errors, openapi
from kefu.api.appointments import router as appointments_router
from kefu.api.auth import bearer, session
from kefu.api.automation import router as automation_router
from kefu.api.campaigns import router as campaigns_router
from kefu.api.catalog import router as catalog_router
from kefu.api.chat import router as chat_router
from kefu.api.clocks import router as clocks_router
from kefu.api.config_revisions import router as config_revisions_router
from kefu.api.cti import router as cti_router
from kefu.api.customer_merge import router as customer_merge_router
from kefu.api.customers import router as customers_router
from kefu.api.fields import router as fields_router
from kefu.api.hotline import router as hotline_router
from kefu.api.incidents import router as incidents_router
from kefu.api.macros import router as macros_router
from kefu.api.mail_inbound import router as mail_router
from kefu.api.renderer import ORJSONRenderer
from kefu.api.reports import router as reports_router
from kefu.api.routing import router as routing_router
from kefu.api.satisfaction import router as satisfaction_router
from kefu.api.sms import router as sms_router
from kefu.api.social import router as social_router
from kefu.api.supervision import router as supervision_router
from kefu.api.workorders import router as orders_router
from kefu.lib.errors import NotFound

DESCRIPTION = """
Customers and work orders of Kefu. Authenticate with `Authorization: Bearer <token>` (create one with
`kefu token create USERNAME NAME`) or, from the browser, with the login session plus the `X-CSRFToken`
header on writes.

Every error is `{"error": {"code": ..., "message": ..., "field": ...}}` with a 4xx status; messages
follow `Accept-Language`. Updates use optimistic concurrency: send the version you read as
`If-Match: "3"` (the `ETag` of the GET) or as `"version"` in the body; a stale write answers 409 `stale`.
"""


class KefuAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        doc = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        openapi.refine(doc)
        return doc


api = KefuAPI(
    title="Kefu API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[bearer, session],
    parser=errors.KefuParser(),
    renderer=ORJSONRenderer(),
)
errors.install(api)
api.add_router("/customers", customers_router)
api.add_router("", customer_merge_router)  # merge, undo, duplicates, /orders/{key}/customer
api.add_router("", catalog_router)  # /services…, /calendars…
api.add_router("", clocks_router)  # /orders/{key}/clocks…, /extensions…
api.add_router(
    "", routing_router
)  # /orders/{key}/send-back, /orders/{key}/split, /send-backs, /reports/send-backs…
api.add_router("", fields_router)  # /fields, /tags, /orders/{key}/fields|tags, /customers/{id}/fields
api.add_router("/orders", orders_router)
api.add_router("", cti_router)  # /cti/calls
api.add_router("", hotline_router)  # /hotline/customers, /hotline/sessions
api.add_router("", reports_router)  # /reports/…
api.add_router("", satisfaction_router)  # /satisfaction/counter-evaluations
api.add_router("", supervision_router)  # /accountability…, /supervision-notices
api.add_router("", mail_router)  # /mail/inbound/{mailbox_id}
api.add_router("", social_router)  # /social/mentions
api.add_router("", sms_router)  # /sms/inbound
api.add_router("", chat_router)  # /chat/inbound
api.add_router("", incidents_router)  # /incidents…, /ivr/incidents…
api.add_router("", macros_router)  # /macros…, /bulk-actions, /saved-views… (docs/macros.md)
api.add_router("", campaigns_router)  # /campaigns… (safety-check campaigns, docs/field-service.md)
api.add_router("", automation_router)  # /triggers…, /webhooks…, /webhook-deliveries… (docs/webhooks.md)
api.add_router("", appointments_router)  # /orders/{key}/windows, /appointments… (docs/field-service.md)
api.add_router("", config_revisions_router)  # /config-revisions…, /calendars/{id}/revisions (docs/api.md)

# Unknown paths under /api/v1/ answer the error JSON too (not the HTML 404 page). Added last.
fallback = Router(auth=None)


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise NotFound("not_found", _("There is no such API endpoint."), None)


api.add_router("", fallback)
