"""Shared web plumbing of the staff pages and the portal (foundation layer, no models).

- ``views``: the typed staff request (:class:`~kefu.web.views.ConsoleRequest`) and the ``@staff_view``
  decorator with its capability gate (404, never 403: nothing to probe);
- ``forms``: :func:`~kefu.web.forms.add_kefu_error` and the multiple-file form field;
- ``files``: the download response of stored files with its security headers;
- ``order_page``: how a feature app's order-page form answers with the order page (the console
  registers the page).

This package imports only Django, ``kefu.lib.errors``, ``organization`` and ``audit``; never a feature app
or the console.
"""
