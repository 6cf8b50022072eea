import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import free_port

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else ""
)


class Dovecot:
    def __init__(self, port: int, user: str, password: str, root):
        self.host, self.port, self.user, self.password = (
            "127.0.0.1",
            port,
            user,
            password,
        )
        self.root = root

    def imap(self):
        import imaplib

        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.imap()
        try:
            status, data = client.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        client = self.imap()
        try:
            _, count = client.select(folder)
            if int(count[0]) == 0:
                return []
            _, data = client.fetch("1:*", "(FLAGS)")
            return [line.decode() for line in data if line]
        finally:
            client.logout()


def _accounts() -> tuple[str, str, int, int]:
    """Login and internal users, and the uid/gid mail is stored as. Dovecot
    refuses to run its login processes as root."""
    if os.geteuid() == 0:
        login, internal = "dovenull", "dovecot"
        mail = pwd.getpwnam("dovecot")
        return login, internal, mail.pw_uid, mail.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, me.pw_uid, grp.getgrgid(me.pw_gid).gr_gid


@pytest.fixture
def dovecot():
    """A throwaway Dovecot IMAP server on 127.0.0.1 with one mailbox user.

    Skipped (with the reason) where Dovecot is not installed; failed instead
    when HELPDESK_REQUIRE_SERVICES is set, as in CI.
    """
    if not DOVECOT:
        reason = "dovecot is not installed (apt-get install dovecot-imapd)"
        if os.environ.get("HELPDESK_REQUIRE_SERVICES"):
            pytest.fail(f"{reason}, but HELPDESK_REQUIRE_SERVICES is set")
        pytest.skip(reason)
    login, internal, uid, gid = _accounts()
    port = free_port()
    # Not pytest's tmp_path: Dovecot's own users must be able to read it.
    tmp_path = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    os.chmod(tmp_path, 0o755)  # noqa: S103
    for name in ("run", "state", "mail", "home"):
        (tmp_path / name).mkdir()
    for name in ("mail", "home"):
        os.chmod(tmp_path / name, 0o777)  # noqa: S103 - a throwaway test server
    (tmp_path / "users").write_text("help:{PLAIN}mailbox-secret\n")
    config = tmp_path / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
first_valid_uid = 1
mail_location = maildir:{tmp_path}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp_path}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp_path}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        log = (
            (tmp_path / "dovecot.log").read_text()
            if (tmp_path / "dovecot.log").exists()
            else ""
        )
        pytest.fail(f"Dovecot did not start:\n{log}")
    yield Dovecot(port, "help", "mailbox-secret", tmp_path)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture
def http_receiver():
    """A recording HTTP server on 127.0.0.1 (``receivers.HttpReceiver``)."""
    from .receivers import HttpReceiver

    receiver = HttpReceiver()
    yield receiver
    receiver.stop()
