"""A paginator for searches: counting every match of a common word is the slow part at scale."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from kefu.lib import search

# as the API's SEARCH_COUNT_CAP: a search counts at most this many matches
SEARCH_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap + 1)``); ``capped`` is True when
    more match, and the pages stop at the cap (the user narrows the search instead of paging on)."""

    def __init__(self, object_list: Any, per_page: int, query: str, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.query = query  # the search (kefu.lib.search.capped_count)
        self.cap = SEARCH_COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # a QuerySet
        n = search.capped_count(rows, self.query, self.cap)
        self.capped = n > self.cap
        return min(n, self.cap)
