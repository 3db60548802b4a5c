"""The "call the 24-hour hotline now" notice of the customer pages: what the template and its
static script need (``commitments.emergency.public_config``)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from kefu.commitments import emergency


def message() -> str:
    """The sentence shown after an emergency was submitted."""
    number = emergency.hotline()
    if number:
        return _("This looks like an emergency: call the 24-hour hotline now: %(number)s") % {
            "number": number
        }
    return _("This looks like an emergency: call the 24-hour hotline now.")


def context(service_id: Any = None, text: str = "") -> dict[str, Any]:
    """``{"emergency": …}`` for ``portal/_emergency_notice.html``; ``shown`` when what was sent already is
    an emergency (the page is shown again after an error, or without JavaScript)."""
    config = emergency.public_config()
    try:
        sid = int(service_id) if service_id not in (None, "") else None
    except (TypeError, ValueError):
        sid = None
    return {
        "emergency": {
            "keywords_json": json.dumps(config["keywords"], ensure_ascii=False),
            "services_csv": ",".join(str(pk) for pk in config["services"]),
            "hotline": config["hotline"],
            "shown": emergency.match(sid, text) is not None if (sid or text) else False,
        }
    }
