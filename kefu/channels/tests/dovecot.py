"""A private dovecot IMAP server on loopback for the poller tests (installed by scripts/system-deps).

Runs in the foreground (``dovecot -F -c conf``) with its own base/state directories, a passwd-file user
and a Maildir in a temporary directory. As root, dovecot's own unprivileged users run the login and mail
processes (dovecot refuses root there); otherwise everything runs as the current user.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    root: Path

    def client(self) -> imaplib.IMAP4:
        c = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        c.login(self.user, self.password)
        return c

    def create(self, folder: str) -> None:
        c = self.client()
        try:
            typ, data = c.create(folder)
            assert typ == "OK", data
        finally:
            c.logout()

    def append(self, folder: str, raw: bytes) -> None:
        c = self.client()
        try:
            typ, data = c.append(folder, None, None, raw)  # type: ignore[arg-type]
            assert typ == "OK", data
        finally:
            c.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        c = self.client()
        try:
            c.select(folder)
            _typ, data = c.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
            return len((data[0] or b"").split())
        finally:
            c.logout()


def available() -> bool:
    return Path(DOVECOT).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running() -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    root.chmod(0o755)  # the mail processes (dovecot's users when root) must reach the Maildir
    proc: subprocess.Popen[bytes] | None = None
    try:
        if os.getuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            internal, login = "dovecot", "dovenull"
        else:
            mail_user = pwd.getpwuid(os.getuid())
            internal = login = mail_user.pw_name
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        for sub in ("mail", "home"):
            os.chown(root / sub, uid, gid)
        port = _free_port()
        (root / "passwd").write_text(f"kefu:{{PLAIN}}secret:{uid}:{gid}::{root}/home\n")
        import grp

        conf = CONF.format(
            root=root, port=port, internal=internal, internal_group=grp.getgrgid(gid).gr_name, login=login
        )
        (root / "dovecot.conf").write_text(conf)
        proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = Dovecot(port=port, user="kefu", password="secret", root=root)
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    raise RuntimeError(f"dovecot did not start on port {port}:\n{log}") from None
                time.sleep(0.1)
        yield server
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)
