"""Forbidden-phrase checker (服务忌语, R-24). Pure: no Django, no I/O.

The reply and every phrase go through the same per-character normalisation:

- NFKC (full-width ``ｆｕｌｌ`` and ``，`` become ``full`` and ``,``), case folding (English is matched
  case-insensitively), traditional → simplified Chinese with OpenCC (``問別人`` → ``问别人``), character by
  character so that one normalised character always points back to one character of the original;
- everything that is not a letter or a digit (spaces, punctuation, symbols, emoji) is dropped, so
  ``你 去，投 诉好了`` still reads ``你去投诉好了``.

A position map keeps, for each normalised character, the index of the original character it came from, so a
match is reported as a span of the original text (what the agent typed, where).

Matching is one pass of an Aho–Corasick automaton over the normalised reply (built once per phrase list;
the caller caches it). Two refinements keep normal text from being flagged:

- phrases that start or end with a Latin letter or digit only match on word boundaries of the original text
  (``i dont know`` is not found in ``I don't knowledge``);
- a phrase in ``clause_end`` mode only counts when it ends a clause: after it come only spaces, optionally one
  sentence-final particle (啊, 呀, 呢, 吧 …), then punctuation or the end of the text. ``我也不知道。`` and
  ``这个我真不知道啊`` match ``不知道``; ``不知道您什么时候方便`` does not. ``unless_after`` lists words that,
  right before the phrase, make it harmless (``如果您不知道，…`` is not the agent saying "I don't know").
  Note that ``您是否知道`` never contains ``不知道`` at all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress

ANYWHERE = "anywhere"
CLAUSE_END = "clause_end"

# sentence-final particles that may follow a clause_end phrase (“我不知道啊”)
FINAL_PARTICLES = frozenset("啊呀呢吧哦嘛喔哇啦了唉")

_CACHE_LIMIT = 60_000
_char_cache: dict[str, str] = {}
_converter = None


def _t2s(s: str) -> str:
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s.json")
    return str(_converter.convert(s))


def _norm_char_slow(c: str) -> str:
    s = unicodedata.normalize("NFKC", c).casefold()
    if not s.isascii():
        s = _t2s(s)
    return "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN")


def norm_char(c: str) -> str:
    """The normalised form of one character: "" for spaces/punctuation/symbols, else 1+ letters/digits."""
    r = _char_cache.get(c)
    if r is None:
        if len(_char_cache) > _CACHE_LIMIT:
            _char_cache.clear()
        r = _char_cache[c] = _norm_char_slow(c)
    return r


# str.translate tables (the fast path), filled lazily: code point → normalised string, and code point →
# "\x00" (dropped) / "\x01" (one character) / "\x02" (several), from which the position map is computed
_table: dict[int, str] = {}
_mask: dict[int, str] = {}
_known: set[str] = set()  # the characters in both tables


def _tables_for(text: str) -> tuple[dict[int, str], dict[int, str]]:
    """The translate tables, with an entry for every character of ``text``. When they grow too large they are
    replaced, not cleared, so a caller holding the old ones is not disturbed."""
    global _table, _mask, _known
    table, mask, known = _table, _mask, _known
    missing = set(text) - known
    if missing:
        if len(table) > _CACHE_LIMIT:
            table, mask, known = _table, _mask, _known = {}, {}, set()
            missing = set(text)
        for c in missing:
            r = norm_char(c)
            table[ord(c)] = r
            mask[ord(c)] = "\x02" if len(r) > 1 else ("\x01" if r else "\x00")
        known |= missing
    return table, mask


def fast_normalise(text: str) -> str:
    """The normalised text without the position map (``str.translate``; the map is built only for hits)."""
    return text.translate(_tables_for(text)[0])


def positions(text: str) -> list[int]:
    """For each character of the normalised text, the index in ``text`` it came from."""
    table, mask = _tables_for(text)
    flags = text.translate(mask)
    if "\x02" in flags:  # a character normalised to several (ß → ss)
        return [i for i, c in enumerate(text) for _ in table[ord(c)]]
    return list(compress(range(len(text)), flags.encode("latin-1")))


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and its position map (see :func:`positions`)."""
    return fast_normalise(text), positions(text)


def _is_word_char(ch: str) -> bool:
    """A Latin letter or digit (after normalisation): the characters that form English words."""
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True)
class Phrase:
    id: int
    text: str
    mode: str = ANYWHERE
    suggestion: str = ""
    unless_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int  # span in the original text
    end: int
    matched: str  # text[start:end], as the agent typed it


@dataclass
class _Compiled:
    phrase: Phrase
    norm: str
    unless: tuple[str, ...]
    word_start: bool
    word_end: bool


@dataclass
class Checker:
    """An Aho–Corasick automaton over the normalised phrases. Build once, call :meth:`find` many times."""

    phrases: list[Phrase]
    _goto: list[dict[str, int]] = field(default_factory=list, repr=False)
    _out: list[tuple[int, ...]] = field(default_factory=list, repr=False)
    _compiled: list[_Compiled] = field(default_factory=list, repr=False)
    skipped: list[Phrase] = field(default_factory=list)  # phrases with nothing left after normalising

    def __post_init__(self) -> None:
        goto: list[dict[str, int]] = [{}]
        out: list[list[int]] = [[]]
        for p in self.phrases:
            norm, _where = normalise(p.text)
            if not norm:
                self.skipped.append(p)
                continue
            idx = len(self._compiled)
            self._compiled.append(
                _Compiled(
                    p,
                    norm,
                    tuple(n for w in p.unless_after if (n := normalise(w)[0])),
                    _is_word_char(norm[0]),
                    _is_word_char(norm[-1]),
                )
            )
            state = 0
            for ch in norm:
                nxt = goto[state].get(ch)
                if nxt is None:
                    nxt = len(goto)
                    goto[state][ch] = nxt
                    goto.append({})
                    out.append([])
                state = nxt
            out[state].append(idx)
        # failure links (breadth first); goto becomes a full transition function on the characters seen
        fail = [0] * len(goto)
        queue = list(goto[0].values())
        head = 0
        while head < len(queue):
            s = queue[head]
            head += 1
            for ch, t in goto[s].items():
                queue.append(t)
                f = fail[s]
                while f and ch not in goto[f]:
                    f = fail[f]
                fail[t] = goto[f].get(ch, 0) if goto[f].get(ch, 0) != t else 0
                out[t].extend(out[fail[t]])
        self._fail = fail
        self._goto = goto
        self._gets = [d.get for d in goto]
        self._out = [tuple(o) for o in out]

    def __len__(self) -> int:
        return len(self._compiled)

    def find(self, text: str) -> list[Match]:
        """Every phrase found in ``text``; a match lying inside a longer match is left out."""
        norm = fast_normalise(text)
        fail, out, compiled = self._fail, self._out, self._compiled
        hits: list[tuple[int, int, int]] = []  # (norm start, norm end, compiled index)
        state = 0
        gets = self._gets
        for i, ch in enumerate(norm):
            nxt = gets[state](ch)
            while nxt is None and state:
                state = fail[state]
                nxt = gets[state](ch)
            state = nxt or 0  # no node but the root is 0
            if out[state]:
                for idx in out[state]:
                    hits.append((i + 1 - len(compiled[idx].norm), i + 1, idx))
        if not hits:
            return []
        where = positions(text)
        found: list[tuple[int, int, int]] = []
        for ns, ne, idx in hits:
            if self._accepts(text, norm, where, ns, ne, compiled[idx]):
                found.append((ns, ne, idx))
        # drop matches contained in a longer one (“问别人去” inside “我不管问别人去”)
        found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        kept: list[tuple[int, int, int]] = []
        for h in found:
            if any(k[0] <= h[0] and h[1] <= k[1] and k != h for k in kept):
                continue
            kept.append(h)
        result = []
        for ns, ne, idx in kept:
            start, end = where[ns], where[ne - 1] + 1
            result.append(Match(compiled[idx].phrase, start, end, text[start:end]))
        return result

    @staticmethod
    def _accepts(text: str, norm: str, where: list[int], ns: int, ne: int, c: _Compiled) -> bool:
        start, end = where[ns], where[ne - 1] + 1
        if c.word_start and start > 0 and _ends_word(text, start):
            return False
        if c.word_end and end < len(text) and _starts_word(text, end):
            return False
        if c.unless and any(norm[:ns].endswith(u) for u in c.unless):
            return False
        if c.phrase.mode == CLAUSE_END:
            return _clause_ends(text, end)
        return True


def _ends_word(text: str, start: int) -> bool:
    """Whether the character right before ``start`` is part of a Latin word."""
    prev = norm_char(text[start - 1])
    return bool(prev) and _is_word_char(prev[-1])


def _starts_word(text: str, end: int) -> bool:
    nxt = norm_char(text[end])
    return bool(nxt) and _is_word_char(nxt[0])


def _skip_spaces(text: str, j: int) -> int:
    while j < len(text) and (text[j].isspace() or unicodedata.category(text[j]) == "Cf"):
        j += 1
    return j


def _clause_ends(text: str, end: int) -> bool:
    j = _skip_spaces(text, end)
    if j < len(text) and norm_char(text[j]) in FINAL_PARTICLES:
        j = _skip_spaces(text, j + 1)
    if j >= len(text):
        return True
    return unicodedata.category(unicodedata.normalize("NFKC", text[j])[:1] or " ")[0] in "PSZC"


def build(phrases: Iterable[Phrase]) -> Checker:
    return Checker(list(phrases))
