"""``kefu import customers FILE.xlsx|FILE.csv [--branch CODE] [--dry-run] [--report FILE]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO


class ProgressBar:
    """A one-line progress bar on stderr (redrawn with a carriage return; a plain line when not a TTY)."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.phase = ""
        self.tty = getattr(stream, "isatty", lambda: False)()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase and self.phase:
            self.stream.write("\n")
        self.phase = phase
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{phase:<10} [{bar}] {done}/{total}"
        if self.tty:
            self.stream.write("\r" + line)
        elif done == total or done % max(total // 10, 1) < 100:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.phase and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _say(text: str, file: TextIO | None = None) -> None:
    (file or sys.stdout).write(text + "\n")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="import data from spreadsheets")
    isub = p.add_subparsers(dest="import_command", required=True)
    c = isub.add_parser(
        "customers", help="customers and subscriptions from .xlsx or .csv (validated first; all or nothing)"
    )
    c.add_argument("file", type=Path)
    c.add_argument("--branch", help="branch code (required when there are several branches)")
    c.add_argument("--dry-run", action="store_true", help="only validate and report; import nothing")
    c.add_argument("--report", type=Path, help="also write the problems to this CSV file")
    c.add_argument("--user", help="username recorded in the service log (default: system)")
    c.add_argument("--lang", help="language of the messages (zh-hans, en; default: the site language)")
    c.set_defaults(func=cmd_import_customers)


def cmd_import_customers(args: argparse.Namespace) -> int:
    from kefu.cli import _setup

    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from kefu.customers.imports import ImportFileError, field_label, run_import, write_report
    from kefu.organization.models import Branch

    with translation.override(args.lang or settings.LANGUAGE_CODE):
        from django.utils.translation import gettext as _

        if args.branch:
            branch = Branch.objects.filter(code=args.branch).first()
            if branch is None:
                _say(_("No branch with the code “%(code)s”.") % {"code": args.branch}, file=sys.stderr)
                return 2
        else:
            branches = list(Branch.objects.order_by("code")[:2])
            if len(branches) != 1:
                _say(_("Give the branch with --branch CODE."), file=sys.stderr)
                return 2
            branch = branches[0]
        actor = None
        if args.user:
            actor = get_user_model().objects.filter(username=args.user).first()
            if actor is None:
                _say(_("No user “%(name)s”.") % {"name": args.user}, file=sys.stderr)
                return 2
        if not args.file.is_file():
            _say(_("No file %(path)s.") % {"path": args.file}, file=sys.stderr)
            return 2
        bar = ProgressBar()
        started = time.monotonic()
        try:
            result = run_import(args.file, branch, actor=actor, dry_run=args.dry_run, progress=bar)
        except ImportFileError as exc:
            bar.close()
            _say(str(exc), file=sys.stderr)
            return 2
        bar.close()
        for p in result.problems:
            _say(
                _("row %(row)d, %(field)s: %(message)s")
                % {"row": p.row, "field": field_label(p.field), "message": p.message}
            )
        if args.report:
            write_report(result.problems, args.report)
        took = time.monotonic() - started
        if result.problems:
            _say(
                _("%(n)d problems in %(rows)d rows: nothing imported.")
                % {"n": len(result.problems), "rows": result.rows},
                file=sys.stderr,
            )
            return 1
        if args.dry_run:
            _say(
                _(
                    "Dry run: %(rows)d rows are valid (%(customers)d customers, %(subs)d subscriptions); nothing imported."
                )
                % {"rows": result.rows, "customers": result.customers, "subs": result.subscriptions}
            )
            return 0
        _say(
            _("Imported %(customers)d customers and %(subs)d subscriptions from %(rows)d rows in %(s).1f s.")
            % {"customers": result.customers, "subs": result.subscriptions, "rows": result.rows, "s": took}
        )
        return 0
