"""The repository explains itself: every rule id it cites has a section in docs/requirements.md, and no
text sends readers to documents that are not in the repository or to issue numbers of the tracker.

Pure file checks (no database). Each check is a function over a tree so that the tests below can also
run it on a small tree of their own and see it fail.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "docs" / "requirements.md"

# Where rule ids may be cited: product code, docs, tests, benchmarks and the README.
CITING = ["kefu", "docs", "tests", "bench", "README.md"]
# Where references to files outside the repository and to issue numbers are not allowed.
NO_OUTSIDE_REFERENCES = ["kefu", "docs", "tests", "bench", "README.md"]
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".js", ".css", ".sh", ".toml", ".cfg", ".ini", ".po"}
SKIP_DIRS = {".venv", ".venv-helpdesk", "__pycache__", "node_modules", ".git", "screenshots"}

RULE_ID = re.compile(r"\bR-(\d+)\b")
HEADING = re.compile(r"^## R-(\d+) — \S", re.MULTILINE)
OUTSIDE_DOC = re.compile(r"\b(SPEC|DESIGN)\.md\b|\bSPEC R-")  # "SPEC R-24" means the same file
ISSUE_CITATION = re.compile(r"\b(issue|point|stop)\s+\d", re.IGNORECASE)
THIS_FILE = Path(__file__).resolve()


def text_files(root: Path, entries: list[str]) -> list[Path]:
    files: list[Path] = []
    for entry in entries:
        path = root / entry
        if path.is_file():
            files.append(path)
            continue
        for p in sorted(path.rglob("*")):
            if p.is_file() and p.suffix in TEXT_SUFFIXES and not SKIP_DIRS.intersection(p.parts):
                files.append(p)
    return files


def documented_ids(requirements: Path) -> set[int]:
    return {int(n) for n in HEADING.findall(requirements.read_text(encoding="utf-8"))}


def cited_ids(root: Path, entries: list[str]) -> dict[int, list[str]]:
    """Rule id → the files (relative to root) that cite it."""
    cited: dict[int, list[str]] = {}
    for path in text_files(root, entries):
        for n in set(RULE_ID.findall(path.read_text(encoding="utf-8", errors="replace"))):
            cited.setdefault(int(n), []).append(str(path.relative_to(root)))
    return cited


def undocumented(root: Path, requirements: Path, entries: list[str]) -> dict[int, list[str]]:
    known = documented_ids(requirements)
    return {n: files for n, files in cited_ids(root, entries).items() if n not in known}


def offending_lines(root: Path, entries: list[str], pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in text_files(root, entries):
        if path.resolve() == THIS_FILE:
            continue  # the patterns themselves are written here
        for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(root)}:{lineno}: {line.strip()}")
    return found


# --- the repository ------------------------------------------------------------------------------------


def test_requirements_has_one_section_per_rule_in_order() -> None:
    ids = [int(n) for n in HEADING.findall(REQUIREMENTS.read_text(encoding="utf-8"))]
    assert ids == list(range(1, 40))


def test_every_section_says_where_in_the_code() -> None:
    sections = re.split(r"^## R-\d+ — ", REQUIREMENTS.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    assert len(sections) == 39
    missing = [s.splitlines()[0] for s in sections if "Where in the code:" not in s]
    assert missing == []


def test_every_cited_rule_id_has_a_section() -> None:
    cited = cited_ids(ROOT, CITING)
    assert {1, 10, 24, 33} <= cited.keys()  # the scan does reach the code
    assert undocumented(ROOT, REQUIREMENTS, CITING) == {}


def test_no_reference_to_documents_outside_the_repository() -> None:
    assert offending_lines(ROOT, NO_OUTSIDE_REFERENCES, OUTSIDE_DOC) == []


def test_no_issue_number_citations() -> None:
    assert offending_lines(ROOT, NO_OUTSIDE_REFERENCES, ISSUE_CITATION) == []


# --- the checks fail when they should -------------------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def test_an_undocumented_rule_id_is_reported(tmp_path: Path) -> None:
    rid = "R-" + "40"  # built, so that this file does not cite it itself
    root = _tree(
        tmp_path,
        {
            "docs/requirements.md": "## R-1 — Archive\n\nWhere in the code: customers.\n",
            "kefu/app/rules.py": f'"""Archive (R-1) and something new ({rid})."""\n',
            "kefu/app/tests/test_x.py": f"# {rid}\n",
            "kefu/static/x.png": f"{rid}",  # not a text file: not scanned
        },
    )
    assert undocumented(root, root / "docs/requirements.md", ["kefu"]) == {
        40: ["kefu/app/rules.py", "kefu/app/tests/test_x.py"]
    }


def test_a_heading_needs_the_exact_form(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"docs/requirements.md": "### R-1 — nested\n## R-2 - hyphen\n## R-3 — ok\n"})
    assert documented_ids(root / "docs/requirements.md") == {3}


def test_outside_documents_and_issue_numbers_are_reported(tmp_path: Path) -> None:
    spec, design = "SPEC" + ".md", "DESIGN" + ".md"
    root = _tree(
        tmp_path,
        {
            "kefu/a.py": f'"""See {spec} for the rule."""\nx = 1  # the bar of Issue 7\n',
            "docs/b.md": f"Conventions: {design}\n\nAs asked in point 4.\n",
            "kefu/c.py": '"""Nothing wrong: R-6, specification, 7 issues of the magazine."""\n',
            "kefu/d.py": '"""Forbidden phrases (' + "SPEC" + ' R-24)."""\n',
        },
    )
    assert offending_lines(root, ["kefu", "docs"], OUTSIDE_DOC) == [
        f'kefu/a.py:1: """See {spec} for the rule."""',
        'kefu/d.py:1: """Forbidden phrases (SPEC R-24)."""',
        f"docs/b.md:1: Conventions: {design}",
    ]
    assert offending_lines(root, ["kefu", "docs"], ISSUE_CITATION) == [
        "kefu/a.py:2: x = 1  # the bar of Issue 7",
        "docs/b.md:3: As asked in point 4.",
    ]


# --- links between documents ------------------------------------------------------------------------------

MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
DOC_PATH = re.compile(r"\bdocs/[\w/.-]+\.md\b")
LINKED_DOCS = ["docs", "README.md", "bench/README.md"]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", path.read_text(encoding="utf-8"))
    return {slug(m) for m in re.findall(r"^#+ (.*)$", text, flags=re.MULTILINE)}


def broken_links(root: Path, entries: list[str]) -> list[str]:
    """Relative Markdown links whose file or heading does not exist."""
    broken = []
    for path in text_files(root, entries):
        if path.suffix != ".md":
            continue
        for target in MD_LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(root)} → {target}"
            missing_anchor = bool(anchor) and dest.is_file() and anchor not in anchors(dest)
            if not dest.exists() or missing_anchor:
                broken.append(where)
    return broken


def missing_doc_paths(root: Path, entries: list[str]) -> list[str]:
    """`docs/….md` named in code and documents that does not exist."""
    missing = []
    for path in text_files(root, entries):
        if path.resolve() == THIS_FILE:
            continue
        for name in set(DOC_PATH.findall(path.read_text(encoding="utf-8", errors="replace"))):
            if not (root / name).exists():
                missing.append(f"{path.relative_to(root)}: {name}")
    return sorted(missing)


def test_links_between_documents_resolve() -> None:
    assert len(text_files(ROOT, ["docs/adr"])) >= 5
    assert broken_links(ROOT, LINKED_DOCS) == []


def test_documents_named_in_code_exist() -> None:
    assert missing_doc_paths(ROOT, NO_OUTSIDE_REFERENCES) == []


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "docs/a.md": "# A\n\n## R-1 — The archive (客户档案)\n\nSee [b](b.md), [gone](c.md), [web](https://x.org/y),\n"
            "[here](#r-1--the-archive-客户档案), [no](#r-2), [b's](b.md#work-order-states), [bad](b.md#nope).\n",
            "docs/b.md": "# B\n\n## Work-order states\n\n```\n## not a heading\n```\n",
            "kefu/x.py": '"""Documented in docs/b.md and in docs/gone.md."""\n',
        },
    )
    assert broken_links(root, ["docs"]) == [
        "docs/a.md → c.md",
        "docs/a.md → #r-2",
        "docs/a.md → b.md#nope",
    ]
    assert anchors(root / "docs/b.md") == {"b", "work-order-states"}
    assert missing_doc_paths(root, ["kefu"]) == ["kefu/x.py: docs/gone.md"]


def test_every_periodic_job_is_documented() -> None:
    """A job added with ``@periodic`` shows up in the list of docs/design/background-work.md."""
    names = set()
    for path in text_files(ROOT, ["kefu"]):
        if path.suffix == ".py" and "tests" not in path.parts:
            names.update(re.findall(r'@periodic\(\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    assert {"channels.outbox", "commitments.breach_sweep", "reports.refresh_open"} <= names
    listed = set(
        re.findall(r"^\| `([\w.]+)` \|", (ROOT / "docs/design/background-work.md").read_text(), re.M)
    )
    assert sorted(names - listed) == []
