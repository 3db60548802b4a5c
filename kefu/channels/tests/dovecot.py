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
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kefu.testing.shell import free_port, run

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl}
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
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    root: Path
    tls_port: int = 0  # IMAP over TLS (imaps), when started with tls=True
    cert: Path | None = None  # its self-signed certificate (for 127.0.0.1), to trust as a CA

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

    def append(self, folder: str, raw: bytes, flags: str | None = None) -> None:
        """Deliver ``raw`` into ``folder``; ``flags`` e.g. ``(\\Seen)`` for mail already read elsewhere."""
        c = self.client()
        try:
            typ, data = c.append(folder, flags, None, raw)  # type: ignore[arg-type]
            assert typ == "OK", data
        finally:
            c.logout()

    def delete(self, folder: str) -> None:
        c = self.client()
        try:
            typ, data = c.delete(folder)
            assert typ == "OK", data
        finally:
            c.logout()

    def uidvalidity(self, folder: str) -> int:
        c = self.client()
        try:
            typ, data = c.status(folder, "(UIDVALIDITY)")
            assert typ == "OK", data
            return int(data[0].split(b"UIDVALIDITY", 1)[1].strip(b" ()"))  # type: ignore[union-attr]
        finally:
            c.logout()

    def seen(self, folder: str = "INBOX") -> int:
        c = self.client()
        try:
            c.select(folder)
            _typ, data = c.uid("SEARCH", None, "SEEN")  # type: ignore[arg-type]
            return len((data[0] or b"").split())
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


def _self_signed(root: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 / localhost, made with the openssl command."""
    cert, key = root / "tls" / "cert.pem", root / "tls" / "key.pem"
    cert.parent.mkdir()
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
    )
    key.chmod(0o644)  # read by dovecot's own user
    cert.parent.chmod(0o755)
    return cert, key


@contextmanager
def running(tls: bool = False) -> Iterator[Dovecot]:
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
        port = free_port()
        tls_port, cert, ssl = 0, None, "ssl = no"
        if tls:
            cert, key = _self_signed(root)
            tls_port = free_port()
            ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
        (root / "passwd").write_text(f"kefu:{{PLAIN}}secret:{uid}:{gid}::{root}/home\n")
        import grp

        conf = CONF.format(
            root=root,
            port=port,
            tls_port=tls_port,
            ssl=ssl,
            internal=internal,
            internal_group=grp.getgrgid(gid).gr_name,
            login=login,
        )
        (root / "dovecot.conf").write_text(conf)
        proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = Dovecot(port=port, user="kefu", password="secret", root=root, tls_port=tls_port, cert=cert)
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
