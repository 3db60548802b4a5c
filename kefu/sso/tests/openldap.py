"""A private OpenLDAP directory on loopback for the LDAP sign-in tests (installed by scripts/system-deps).

``slapd`` runs in the foreground (``-d 0``) with a generated ``slapd.conf``, an MDB database and its own
run directory in a temporary directory, listening on a free port of 127.0.0.1 only. The tree is added with
``ldapadd`` as the directory manager; the tests bind as a read-only service account (like Kefu's
``KEFU_LDAP_BIND_DN`` in production) and as the people below:

  dc=kefu,dc=test
    ou=people   uid=zhang.wei (agents of the Hangzhou branch), uid=li.na (supervisors, company level),
                uid=wang.fang (in no mapped group), uid=kefu-reader (the service account)
    ou=groups   cn=kefu-agents, cn=kefu-supervisors, cn=branch-hz, cn=company-hq, cn=canteen (groupOfNames;
                each also lists a placeholder member, as groupOfNames needs one)
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kefu.testing.shell import free_port, run

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
LDAPADD = shutil.which("ldapadd") or "/usr/bin/ldapadd"
LDAPMODIFY = shutil.which("ldapmodify") or "/usr/bin/ldapmodify"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

BASE = "dc=kefu,dc=test"
MANAGER = f"cn=manager,{BASE}"
MANAGER_PASSWORD = "manager-secret"
READER = f"uid=kefu-reader,ou=people,{BASE}"
READER_PASSWORD = "reader-secret"
PASSWORDS = {"zhang.wei": "zw-Passw0rd", "li.na": "ln-Passw0rd", "wang.fang": "wf-Passw0rd"}

CONF = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
pidfile {root}/slapd.pid
modulepath {modules}
moduleload back_mdb
access to attrs=userPassword by self read by anonymous auth by * none
access to * by dn.exact="{reader}" read by self read by * none
database mdb
suffix "{base}"
rootdn "{manager}"
rootpw {manager_password}
directory {root}/data
maxsize 16777216
"""

TREE = """\
dn: {base}
objectClass: dcObject
objectClass: organization
dc: kefu
o: Kefu test directory

dn: ou=people,{base}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{base}
objectClass: organizationalUnit
ou: groups

dn: {reader}
objectClass: inetOrgPerson
uid: kefu-reader
cn: Kefu reader
sn: reader
userPassword: {reader_password}

dn: uid=zhang.wei,ou=people,{base}
objectClass: inetOrgPerson
uid: zhang.wei
cn: 张伟
sn: 张
mail: zhang.wei@kefu.test
employeeNumber: HZ-2041
userPassword: {zhang}

dn: uid=li.na,ou=people,{base}
objectClass: inetOrgPerson
uid: li.na
cn: 李娜
sn: 李
mail: li.na@kefu.test
userPassword: {li}

dn: uid=wang.fang,ou=people,{base}
objectClass: inetOrgPerson
uid: wang.fang
cn: 王芳
sn: 王
userPassword: {wang}

dn: cn=kefu-agents,ou=groups,{base}
objectClass: groupOfNames
member: cn=placeholder,{base}
cn: kefu-agents
member: uid=zhang.wei,ou=people,{base}

dn: cn=kefu-supervisors,ou=groups,{base}
objectClass: groupOfNames
member: cn=placeholder,{base}
cn: kefu-supervisors
member: uid=li.na,ou=people,{base}

dn: cn=branch-hz,ou=groups,{base}
objectClass: groupOfNames
member: cn=placeholder,{base}
cn: branch-hz
member: uid=zhang.wei,ou=people,{base}

dn: cn=company-hq,ou=groups,{base}
objectClass: groupOfNames
member: cn=placeholder,{base}
cn: company-hq
member: uid=li.na,ou=people,{base}

dn: cn=canteen,ou=groups,{base}
objectClass: groupOfNames
member: cn=placeholder,{base}
cn: canteen
member: uid=wang.fang,ou=people,{base}
"""


def group_dn(cn: str) -> str:
    return f"cn={cn},ou=groups,{BASE}"


def user_dn(uid: str) -> str:
    return f"uid={uid},ou=people,{BASE}"


@dataclass
class Directory:
    port: int
    root: Path

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def modify(self, ldif: str) -> None:
        """Apply an LDIF change as the directory manager (e.g. take someone out of a group)."""
        done = subprocess.run(
            [LDAPMODIFY, "-x", "-H", self.url, "-D", MANAGER, "-w", MANAGER_PASSWORD],
            input=ldif,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    def remove_member(self, group: str, uid: str) -> None:
        self.modify(f"dn: {group_dn(group)}\nchangetype: modify\ndelete: member\nmember: {user_dn(uid)}\n")

    def add_member(self, group: str, uid: str) -> None:
        self.modify(f"dn: {group_dn(group)}\nchangetype: modify\nadd: member\nmember: {user_dn(uid)}\n")


def configure(settings: Any, directory: Directory) -> None:
    """Point Kefu's KEFU_LDAP_* settings (pytest-django's ``settings``) at the directory, LDAP first."""
    settings.KEFU_LDAP_URL = directory.url
    settings.KEFU_LDAP_BIND_DN = READER
    settings.KEFU_LDAP_BIND_PASSWORD = READER_PASSWORD
    settings.KEFU_LDAP_USER_BASE = f"ou=people,{BASE}"
    settings.KEFU_LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.KEFU_LDAP_GROUP_BASE = f"ou=groups,{BASE}"
    settings.KEFU_LDAP_GROUP_TYPE = "groupOfNames"
    settings.AUTHENTICATION_BACKENDS = [
        "kefu.sso.ldap.DirectoryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def available() -> bool:
    return Path(SLAPD).exists() and Path(LDAPADD).exists() and (SCHEMA / "core.schema").exists()


@contextmanager
def running() -> Iterator[Directory]:
    root = Path(tempfile.mkdtemp(prefix="kefu-slapd-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        (root / "data").mkdir()
        port = free_port()
        (root / "slapd.conf").write_text(
            CONF.format(
                schema=SCHEMA,
                modules=MODULES,
                root=root,
                base=BASE,
                manager=MANAGER,
                manager_password=MANAGER_PASSWORD,
                reader=READER,
            )
        )
        url = f"ldap://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [SLAPD, "-d", "0", "-f", str(root / "slapd.conf"), "-h", url + "/"],
            stdout=subprocess.DEVNULL,
            stderr=(root / "slapd.log").open("wb"),
        )
        tree = TREE.format(
            base=BASE,
            reader=READER,
            reader_password=READER_PASSWORD,
            zhang=PASSWORDS["zhang.wei"],
            li=PASSWORDS["li.na"],
            wang=PASSWORDS["wang.fang"],
        )
        (root / "tree.ldif").write_text(tree)
        deadline = time.monotonic() + 20
        while True:  # slapd listens after it opened the database: retry the load until it answers
            done = run(
                [
                    LDAPADD,
                    "-x",
                    "-H",
                    url,
                    "-D",
                    MANAGER,
                    "-w",
                    MANAGER_PASSWORD,
                    "-f",
                    str(root / "tree.ldif"),
                ]
            )
            if done.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (root / "slapd.log").read_text(errors="replace")
                raise RuntimeError(f"slapd did not start: {done.stderr}\n{log}")
            time.sleep(0.2)
        yield Directory(port=port, root=root)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)
