"""A throwaway Dovecot IMAP server on a loopback port: its own configuration, users and mail
in a temporary directory, run in the foreground (``dovecot -F``) and stopped by the test.

Plain authentication over loopback only (``ssl = no``); each user's mail is a Maildir. Needs
Debian's ``dovecot-imapd`` (``scripts/system-deps.sh``)."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.services import free_port


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )


class DovecotServer:
    def __init__(self, users: dict[str, str]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="takedown-dovecot-"))
        self.port = free_port()
        self.users = users
        self.proc: subprocess.Popen[bytes] | None = None
        os.chmod(self.dir, 0o755)  # noqa: S103 - Dovecot's unprivileged users read its config

    def _config(self) -> Path:
        me = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        # As root, the login and internal processes run as Dovecot's own unprivileged users.
        internal = "dovecot" if os.getuid() == 0 else me
        login = "dovenull" if os.getuid() == 0 else me
        # Dovecot refuses mail processes as root: as root, mail belongs to Dovecot's own user.
        uid, gid = os.getuid(), os.getgid()
        if uid == 0:
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
        for sub in ("mail", "home"):
            (self.dir / sub).mkdir()
            os.chown(self.dir / sub, uid, gid)
        passwd = self.dir / "passwd"
        passwd.write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))
        # Readable by Dovecot's auth process whatever the umask (a test may have narrowed it).
        passwd.chmod(0o644)
        conf = self.dir / "dovecot.conf"
        conf.write_text(
            f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group if os.getuid() else "dovecot"}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{self.dir}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.dir}/home/%u
}}
"""
        )
        conf.chmod(0o644)
        return conf

    def start(self) -> None:
        exe = dovecot_binary()
        if exe is None:
            raise RuntimeError("dovecot not found: run `make install` (installs dovecot-imapd)")
        conf = self._config()
        self.proc = subprocess.Popen(
            [exe, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"dovecot exited: {err}{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def url(self, user: str, folder: str = "INBOX") -> str:
        return f"imap://{user}:{self.users[user]}@127.0.0.1:{self.port}/{folder}"

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message the way a mail client files one: IMAP APPEND."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as imap:
            imap.login(user, self.users[user])
            typ, data = imap.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
