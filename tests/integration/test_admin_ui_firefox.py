"""
The web admin in Firefox, as a domain administrator: tests/browser/
firefox-domain-admin.mjs drives Debian's firefox-esr (WebDriver BiDi,
puppeteer-core) against a node whose database holds two domains, a domain
admin of one of them and an account there with HTML and script as its
display name. The scenario checks the pages a domain admin is offered,
that it sees its own domain only and that the hostile name stays text;
this module checks the result. Screenshots land in
$PETREL_BUILD_DIR/artifacts/ui-firefox/.
"""

import json
import shutil
import subprocess
from pathlib import Path

import petrel_harness as h
from admin_client import AdminClient

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"
FIREFOX = "/usr/bin/firefox-esr"
DOMADMIN, DOMADMIN_PW = "ffadmin", "Ff-admin-pass-4"
DOMAIN, OTHER = "ff.test", "elsewhere.test"
EVIL = '<img src=x onerror=alert("ff")><script>alert("ff")</script>'
SCENARIO_TIMEOUT = 120

NODE_LISTENERS = ("smtp", "admin")
NODE_EXTRA = {"admin": {"www": str(ROOT / "www"), "tls": "no"}}


def test_domain_admin_in_firefox(node, ctl):
    assert Path(FIREFOX).exists(), f"{FIREFOX} is absent (scripts/test installs firefox-esr)"
    assert (BROWSER_DIR / "node_modules" / "puppeteer-core").is_dir(), \
        "run `npm ci --prefix tests/browser` (scripts/test does)"
    for domain in (DOMAIN, OTHER):
        ctl("domain", "add", domain)
    for address in (f"dora@{DOMAIN}", f"mallory@{DOMAIN}", f"zed@{OTHER}"):
        ctl.add_account(address)
    ctl("admin", "add", DOMADMIN, "--role", "domain", "--domain", DOMAIN, "--password-stdin",
        input=DOMADMIN_PW + "\n")
    url = f"http://127.0.0.1:{node.port('admin')}"
    dom = AdminClient(url)
    dom.login(DOMADMIN, DOMADMIN_PW)
    status, body, _ = dom.patch(f"/accounts/mallory@{DOMAIN}", {"display_name": EVIL})
    assert status == 200, body

    artifacts = h.BUILD_DIR / "artifacts" / "ui-firefox"
    shutil.rmtree(artifacts, ignore_errors=True)
    cmd = ["node", str(BROWSER_DIR / "firefox-domain-admin.mjs"), "--url", url,
           "--login", DOMADMIN, "--password", DOMADMIN_PW, "--domain", DOMAIN,
           "--other-domain", OTHER, "--evil", EVIL, "--artifacts", str(artifacts),
           "--firefox", FIREFOX]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT)
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "scenario.log").write_text(res.stdout + res.stderr)
    done = [line for line in res.stdout.splitlines() if line.startswith("@@ done ")]
    assert res.returncode == 0 and done, f"firefox scenario failed:\n{res.stdout}{res.stderr}"

    report = json.loads(done[0][len("@@ done "):])
    assert "accounts" in report["pages"] and "dashboard" in report["pages"], report
    assert report["account_rows"] == 2, report       # dora and mallory, not zed
    assert "firefox" in report["browser"].lower(), report
    for page in report["pages"]:
        assert (artifacts / f"ff-{page}.png").exists(), page
    assert node.running()
