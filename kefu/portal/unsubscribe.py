"""The one-click unsubscribe of e-mail reminders and marketing (RFC 8058; docs/privacy.md).

Every reminder or marketing e-mail carries ``List-Unsubscribe: <KEFU_PUBLIC_URL/portal/unsubscribe/<token>/>``
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``; the token is signed (``consent.unsubscribe_token``)
and names the address and the class of the message.

- ``POST`` (the mail provider's one-click, body ``List-Unsubscribe=One-Click``, or the button of the page)
  records the opt-out and answers 200. No CSRF token and no sign-in: the mail provider posts without a
  session, and the signature is what authenticates (RFC 8058 §3).
- ``GET`` only shows what the link would do and a button: link scanners and prefetchers fetch links, and
  a GET must never unsubscribe anybody.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kefu.channels.models import MessageClass, OptOutSource, OutboxChannel
from kefu.channels.outbox import consent
from kefu.customers.models import Customer


def _customer(address: str) -> Customer | None:
    return Customer.objects.filter(email__iexact=address, merged_into__isnull=True).order_by("id").first()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = consent.read_token(token)
    if found is None:
        return render(request, "portal/unsubscribe.html", {"invalid": True}, status=400)
    address, message_class = found
    context = {
        "token": token,
        "address": address,
        "class_label": MessageClass(message_class).label,
        "already": message_class in consent.opted_out_classes(OutboxChannel.EMAIL, address),
    }
    if request.method == "GET":
        return render(request, "portal/unsubscribe.html", context)
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    consent.opt_out(
        OutboxChannel.EMAIL,
        address,
        [message_class],
        source=OptOutSource.EMAIL_ONE_CLICK,
        evidence="List-Unsubscribe=One-Click" if one_click else "unsubscribe page",
        customer=_customer(address),
    )
    return render(request, "portal/unsubscribe.html", {**context, "done": True})
