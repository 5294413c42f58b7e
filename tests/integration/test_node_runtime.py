"""The node runtime: registration in `nodes`, SIGHUP reload (config and TLS
certificates), SIGTERM drain, sd_notify, worker restart, listeners,
privilege drop, configuration errors, settings reload, database restart."""

import datetime
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import petrel_harness as h


def deliver(pg, node, rcpt="user@example.test"):
    msg = h.make_message(to=rcpt)
    res = h.smtp_send(node.port("smtp"), "s@remote.test", [rcpt], msg, timeout=30)
    assert res.code == 250, res
    assert len(h.stored_by_token(pg, h.token_of(msg))) == 1
    return res


def run_node_expect_failure(config_path, timeout=15):
    """Run petrel-node on a bad config: it must exit non-zero quickly with a
    message. Returns the combined output."""
    rc, out = h.run_node_once(config_path, timeout)
    if rc is None:
        pytest.fail(f"petrel-node kept running on a bad config {config_path}:\n{out[-2000:]}")
    assert rc != 0, out
    assert out.strip(), "an error message is expected"
    return out


def peer_cert_der(port):
    with h.RawClient(port) as c:
        c.ehlo()
        assert c.cmd("STARTTLS").code == 220
        tls = h.unverified_tls_context().wrap_socket(c.sock)
        der = tls.getpeercert(binary_form=True)
        tls.close()
        return der


# ---------------------------------------------------------------- registration

def test_node_registers_and_heartbeats(pg, node, mail_setup):
    row = h.wait_for(lambda: pg.sql("SELECT hostname, version, pid, started_at, last_seen"
                                    "  FROM nodes WHERE id = 'node1'"),
                     timeout=10, message="row in nodes")[0]
    hostname, version, pid, started_at, last_seen = row
    assert hostname == h.HOSTNAME
    assert version and version[0].isdigit(), version
    assert pid == node.pid
    now = pg.value("SELECT now()")
    assert abs((now - started_at).total_seconds()) < 120
    assert last_seen >= started_at
    h.wait_for(lambda: pg.value("SELECT last_seen FROM nodes WHERE id = 'node1'") > last_seen,
               timeout=65, interval=0.5, message="last_seen to be refreshed")
    listed = h.petrelctl(pg.ctl_config, "nodes", "list").stdout
    assert "node1" in listed


# ---------------------------------------------------------------------- signals

def test_sighup_keeps_sessions_and_serving(pg, node, mail_setup):
    node.wait_workers()
    msg = h.make_message(subject="across a reload")
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        node.reload()
        time.sleep(1.0)
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(msg + b".\r\n")
        assert c.read_reply().code == 250, "a session open across SIGHUP completes"
    assert node.running() and node.pid == node.proc.pid
    deliver(pg, node)
    for _ in range(3):
        node.reload()
        time.sleep(0.2)
    node.wait_workers()
    deliver(pg, node)
    assert len(h.stored_by_token(pg, h.token_of(msg))) == 1


def test_sighup_reloads_tls_certificate(pg, mail_setup, make_node, tmp_path):
    cert, key = h.make_cert(tmp_path / "a", cn="first.example.test")
    n = make_node("tlsnode", listeners=("smtp",), tls=(cert, key))
    first = peer_cert_der(n.port("smtp"))
    new_cert, new_key = h.make_cert(tmp_path / "b", cn="second.example.test")
    os.replace(new_cert, cert)     # what a certificate renewal does
    os.replace(new_key, key)
    n.reload()
    second = h.wait_for(lambda: (lambda d: d if d != first else None)(peer_cert_der(n.port("smtp"))),
                        timeout=10, message="the new certificate after SIGHUP")
    assert second != first
    deliver(pg, n)


def test_sighup_with_broken_config_keeps_running(pg, mail_setup, make_node):
    n = make_node("hupbad", listeners=("smtp",))
    good = open(n.config_path).read()
    with open(n.config_path, "a") as f:
        f.write("\n[node]\nthis_is_not_a_key = 1\n")
    n.reload()
    time.sleep(1.0)
    assert n.running(), "a bad config on SIGHUP must not kill the node"
    deliver(pg, n)
    open(n.config_path, "w").write(good)


def test_sigterm_drains_open_session(pg, mail_setup, make_node):
    n = make_node("drain", listeners=("smtp",), extra={"node": {"drain_timeout": 20}})
    msg = h.make_message(size=20000, subject="drain")
    c = h.RawClient(n.port("smtp"))
    try:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@remote.test>").code == 250
        assert c.cmd("RCPT TO:<user@example.test>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(msg[:10000])
        n.signal(signal.SIGTERM)

        def refused():
            try:
                probe = socket.create_connection(("127.0.0.1", n.port("smtp")), timeout=1)
            except ConnectionRefusedError:
                return True
            probe.close()
            return False
        h.wait_for(refused, timeout=5,
                   message="the listener to close after SIGTERM (new connections are still "
                           "accepted by the kernel and left unanswered while draining)")
        assert n.running(), "the node waits for the open session"
        c.send(msg[10000:] + b".\r\n")
        r = c.read_reply(timeout=15)
        assert (r.code, r.enhanced) == (250, "2.0.0"), r
        try:
            r = c.cmd("QUIT")
            assert r.code in (221, 421), r     # 421: the node closes once the transaction is done
        except (h.ConnectionClosed, ConnectionResetError, BrokenPipeError):
            pass
    finally:
        c.close()
    n.proc.wait(timeout=20)
    assert n.proc.returncode == 0, f"exit code {n.proc.returncode}:\n{n.log_tail()}"
    assert h.children_of(n.pid) == []
    assert len(h.stored_by_token(pg, h.token_of(msg))) == 1


def test_sigterm_drain_timeout(pg, mail_setup, make_node):
    n = make_node("draintimeout", listeners=("smtp",), extra={"node": {"drain_timeout": 2}})
    c = h.RawClient(n.port("smtp"))
    c.ehlo()          # an idle session that never finishes
    started = time.monotonic()
    n.signal(signal.SIGTERM)
    try:
        n.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("the node did not stop after drain_timeout=2")
    finally:
        c.close()
    assert time.monotonic() - started < 12
    assert n.proc.returncode == 0, n.log_tail()


def test_sd_notify_ready(pg, mail_setup, make_node):
    sock_dir = tempfile.mkdtemp(prefix="petrel-notify-", dir="/tmp")
    path = os.path.join(sock_dir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.5)
    try:
        n = make_node("notify", listeners=("smtp",), env={"NOTIFY_SOCKET": path})
        messages = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(b"READY=1" in m for m in messages):
            try:
                messages.append(sock.recv(4096))
            except socket.timeout:
                pass
        assert any(b"READY=1" in m for m in messages), f"no READY=1, got {messages}"
        n.signal(signal.SIGTERM)
        n.proc.wait(timeout=30)
        try:
            while True:
                messages.append(sock.recv(4096))
        except socket.timeout:
            pass
        print("notify messages:", messages)
    finally:
        sock.close()
        os.unlink(path)
        os.rmdir(sock_dir)


# ---------------------------------------------------------------------- workers

def test_workers_count_and_restart(pg, node, mail_setup):
    pids = node.wait_workers()
    assert len(pids) == 2
    os.kill(pids[0], signal.SIGKILL)
    after = node.wait_workers(exclude=[pids[0]], timeout=15)
    assert pids[1] in after, "the other worker is untouched"
    deliver(pg, node)
    for pid in after:
        os.kill(pid, signal.SIGTERM)    # a worker ending on its own is restarted too
    node.wait_workers(exclude=after, timeout=15)
    deliver(pg, node)


def test_workers_exit_when_the_master_is_killed(pg, mail_setup, make_node):
    # SIGKILL (or the OOM killer) on the master must not leave orphan workers
    # serving with nobody to supervise them.
    n = make_node("orphans")
    workers = n.wait_workers()
    os.kill(n.pid, signal.SIGKILL)

    def exited(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True

    def gone():
        return all(exited(pid) for pid in workers)
    h.wait_for(gone, timeout=15, message="workers to exit after their master died")


# -------------------------------------------------------------------- listeners

def test_only_configured_listeners(pg, mail_setup, make_node):
    n = make_node("onlysmtp", listeners=("smtp",))
    ports = h.listening_ports_of([n.pid] + n.worker_pids())
    assert ports == [n.port("smtp")], ports
    m = make_node("onlylmtp", listeners=("lmtp",))
    ports = h.listening_ports_of([m.pid] + m.worker_pids())
    assert ports == [m.port("lmtp")], ports


def test_unimplemented_listeners_do_not_stop_the_node(pg, mail_setup, make_node):
    n = make_node("all", listeners=("smtp", "lmtp", "submission", "imap", "pop3", "dav", "admin"),
                  start=False)
    n.start(wait_listeners=("smtp", "lmtp"))
    deliver(pg, n)
    assert n.running()


# ---------------------------------------------------------------- privileges

@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_drops_privileges(pg, mail_setup, make_node):
    pw = h.ensure_os_user(h.PG_OS_USER)
    n = make_node("dropper", listeners=("smtp",), extra={"node": {"user": h.PG_OS_USER}})
    workers = n.wait_workers()
    for pid in workers:
        assert h.process_uid(pid) == pw.pw_uid, f"worker {pid} still runs as uid {h.process_uid(pid)}"
    deliver(pg, n)


# ---------------------------------------------------------------- config errors

def test_invalid_configs_are_clear_errors(pg, tmp_path):
    cases = {
        "unknown_key": "[node]\nid = x\nbogus = 1\n[database]\nconninfo = {ci}\n",
        "unknown_section": "[nodes]\nid = x\n[database]\nconninfo = {ci}\n",
        "bad_workers": "[node]\nworkers = many\n[database]\nconninfo = {ci}\n",
        "no_conninfo": "[node]\nid = x\n[listen]\nsmtp = 127.0.0.1:{port}\n",
        "bad_listen": "[database]\nconninfo = {ci}\n[listen]\nsmtp = 127.0.0.1:notaport\n",
        "unknown_listener": "[database]\nconninfo = {ci}\n[listen]\ngopher = 127.0.0.1:{port}\n",
        "missing_cert": "[database]\nconninfo = {ci}\n[listen]\nsmtp = 127.0.0.1:{port}\n"
                        "[tls]\ncert = /nonexistent/cert.pem\nkey = /nonexistent/key.pem\n",
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.conf"
        path.write_text(text.format(ci=pg.conninfo, port=h.free_port()))
        out = run_node_expect_failure(path)
        assert len(out.strip().splitlines()) <= 5, f"{name}: too chatty:\n{out}"
        if name in ("unknown_key", "unknown_section", "bad_workers", "no_conninfo"):
            assert str(path) in out, f"{name}: the error should name the file:\n{out}"
        if name == "bad_listen":
            assert "notaport" in out, out
        if name == "missing_cert":
            assert "/nonexistent/" in out, out
    out = run_node_expect_failure(tmp_path / "does-not-exist.conf")
    assert "does-not-exist.conf" in out


def test_port_in_use_is_a_clear_error(pg, tmp_path):
    busy = socket.socket()
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    port = h.free_port()
    busy.bind(("127.0.0.1", port))
    busy.listen()
    try:
        path = h.write_bootstrap_config(tmp_path / "busy.conf", pg.conninfo,
                                        listen={"smtp": f"127.0.0.1:{port}"})
        out = run_node_expect_failure(path)
        assert str(port) in out, out
    finally:
        busy.close()


def test_missing_config_argument():
    res = subprocess.run([str(h.node_path())], capture_output=True, text=True, timeout=10,
                         stdin=subprocess.DEVNULL)
    assert res.returncode != 0 and (res.stderr or res.stdout).strip()


# ----------------------------------------------------------- settings at runtime

def advertised_size(node):
    with h.RawClient(node.port("smtp")) as c:
        for line in c.ehlo().lines:
            if line.upper().startswith("SIZE"):
                return int(line.split()[1])
    return None


def test_settings_change_reaches_running_node(pg, node, mail_setup, ctl):
    assert advertised_size(node) == 30 * 1024 * 1024
    ctl("settings", "set", "message_size_limit", "1M")
    try:
        h.wait_for(lambda: advertised_size(node) == 1024 * 1024, timeout=5,
                   message="new SIZE advertised")
        ctl("settings", "set", "smtp_hostname", "renamed.example.test")
        h.wait_for(lambda: h.RawClient(node.port("smtp")).banner.lines[0]
                   .startswith("renamed.example.test"), timeout=5, message="banner host name")
    finally:
        ctl("settings", "unset", "message_size_limit")
        ctl("settings", "unset", "smtp_hostname")
    h.wait_for(lambda: advertised_size(node) == 30 * 1024 * 1024, timeout=5)


def test_vrfy_setting(pg, node, mail_setup, ctl):
    with h.RawClient(node.port("smtp")) as c:
        c.ehlo()
        assert c.cmd("VRFY user@example.test").code == 252
    ctl("settings", "set", "smtp_vrfy_enabled", "yes")
    try:
        def vrfy():
            with h.RawClient(node.port("smtp")) as c:
                c.ehlo()
                return c.cmd("VRFY user@example.test").code == 250 and \
                    c.cmd("VRFY nobody@example.test").code == 550
        h.wait_for(vrfy, timeout=5, message="VRFY enabled")
    finally:
        ctl("settings", "unset", "smtp_vrfy_enabled")


# ------------------------------------------------------------ database restart

def test_database_restart_is_survived(pg, node, mail_setup):
    deliver(pg, node)
    pg.restart()
    h.wait_for(lambda: deliver(pg, node), timeout=30, interval=0.5,
               message="delivery after PostgreSQL restart")
    assert node.running()
    first = pg.value("SELECT last_seen FROM nodes WHERE id = 'node1'")
    assert isinstance(first, datetime.datetime)


def test_database_down_gives_temporary_error(pg, node, mail_setup):
    """While PostgreSQL is down the node answers with 4xx within 20 s (never
    250, never silence), and recovers when it is back."""
    pg._shutdown(30)
    step = "connect"
    try:
        msg = h.make_message()
        try:
            with h.RawClient(node.port("smtp"), timeout=20) as c:
                step = "EHLO"
                c.ehlo()
                step = "MAIL"
                r = c.cmd("MAIL FROM:<s@remote.test>")
                if r.code == 250:
                    step = "RCPT"
                    r = c.cmd("RCPT TO:<user@example.test>")
                if r.code == 250:
                    step = "DATA"
                    r = c.cmd("DATA")
                    if r.code == 354:
                        step = "end of DATA"
                        c.send(msg + b".\r\n")
                        r = c.read_reply()
                assert 400 <= r.code < 500, f"expected a temporary failure at {step}, got {r}"
        except (h.ConnectionClosed, ConnectionResetError):
            pass      # closing with nothing promised is acceptable too
        except socket.timeout:
            pytest.fail(f"no reply within 20 s to {step} while PostgreSQL is down")
    finally:
        pg.start()
    h.wait_for(lambda: deliver(pg, node), timeout=30, interval=0.5,
               message="delivery after PostgreSQL came back")
