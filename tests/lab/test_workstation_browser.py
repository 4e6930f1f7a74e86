# ruff: noqa: S608 - SQL from the test's own values, run through psql
"""The workstation's own browser, end to end (issue 14): on ws-mo1 and ws-mo3 the
Chromium the workstation role installed runs headless under its managed policy, and
Playwright drives it over its debugging port through SSH. Through the tunnel an МО
officer logs in to the bank of the workstation's МО (the regional server for МО-1,
mo3-srv for МО-3) and files a family card; the audit event carries the workstation's
tunnel address. The same browser reports its policies (chrome://policy) and refuses
any other site.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import socketserver
import subprocess
import threading
import time

import pytest
from conftest import INVENTORY
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from test_replication import MAKE_OFFICER, exec_on, manage_shell, on, sql, wait_level

from regbank import lab
from regbank.inventory import load_inventory

pytestmark = pytest.mark.full_site

DEBUG_PORT = 9222
# (workstation, its bank's server, МО)
WORKSTATIONS = [("ws-mo1", "region-srv", "MO-1"), ("ws-mo3", "mo3-srv", "MO-3")]


@pytest.fixture(scope="module")
def hosts(site_lab) -> dict:
    inventory = load_inventory(site_lab)
    public = inventory.region_vars["regbank_public_name"]
    names = {"region-srv": public, "mo3-srv": lab.municipal_site_name(public, "MO-3")}
    return {
        name: {**host.vars, "site_name": names.get(name, "")}
        for name, host in inventory.hosts.items()
    }


# The hardened sshd forwards no TCP (os_hardening), so the debugging port is reached
# the way an administrator would without forwarding: one SSH session per connection,
# running this relay between its standard streams and the port.
RELAY = """
import os, socket, sys, threading
port = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def upstream():
    while data := os.read(0, 65536):
        port.sendall(data)
    port.shutdown(socket.SHUT_WR)
threading.Thread(target=upstream, daemon=True).start()
while data := port.recv(65536):
    os.write(1, data)
"""


def _pump(read, write) -> None:
    with contextlib.suppress(OSError, ValueError):
        while data := read(65536):
            write(data)


@contextlib.contextmanager
def forwarded(workstation: str, port: int):
    """A local port whose every connection reaches the workstation's 127.0.0.1:port
    through an SSH session of the lab's administrator; its local address."""
    host = lab.running_host(INVENTORY, workstation)
    ssh = ["ssh", "-q", "-i", str(lab.key_file(host.network)), "-o", "BatchMode=yes",
           "-o", f"UserKnownHostsFile={lab.known_hosts_file(host.network)}",
           f"{host.admin}@{host.address}",
           "python3", "-c", shlex.quote(RELAY), str(port)]  # fmt: skip

    class Relay(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            session = subprocess.Popen(ssh, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            back = threading.Thread(target=_pump, args=(session.stdout.read1, self.request.sendall))
            back.start()
            _pump(
                self.request.recv, lambda data: (session.stdin.write(data), session.stdin.flush())
            )
            with contextlib.suppress(OSError):
                session.stdin.close()
            back.join(timeout=30)
            session.kill()

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Relay)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


POLICY = "/etc/chromium/policies/managed/regbank.json"
# The policy without its developer-tools ban: Playwright drives the browser through the
# developer tools' protocol, which the ban closes (the molecule scenario of the
# workstation role shows headless Chromium refusing to work under the whole policy).
RELAX = """
import json, sys
policy = json.load(open(sys.argv[1]))
assert policy.pop("DeveloperToolsAvailability") == 2
json.dump(policy, open(sys.argv[1], "w"))
"""


@contextlib.contextmanager
def workstation_chromium(workstation: str):
    """The workstation's Chromium, headless, its debugging port forwarded over SSH to a
    local port; the CDP address to connect to. The region's policy stays in force but
    for the developer-tools ban, put back afterwards."""
    unit = "regbank-lab-browser"
    on(workstation, "cp", "-a", POLICY, "/root/regbank-policy.saved")
    on(workstation, "python3", "-c", RELAX, POLICY)
    on(workstation, "systemd-run", f"--unit={unit}", "--collect", "--property=User=rbadmin",
       "/usr/bin/chromium", "--headless=new", "--no-sandbox", "--no-first-run",
       f"--remote-debugging-port={DEBUG_PORT}", "--user-data-dir=/tmp/regbank-lab-browser",
       "about:blank")  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while exec_on(workstation, "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{DEBUG_PORT}")[0]:
            assert time.monotonic() < deadline, f"{workstation}: no debugging port in 60 s"
            time.sleep(1)
        with forwarded(workstation, DEBUG_PORT) as address:
            yield f"http://{address}"
    finally:
        exec_on(workstation, "systemctl", "stop", unit)
        on(workstation, "mv", "/root/regbank-policy.saved", POLICY)


@pytest.mark.parametrize(("workstation", "server", "mo"), WORKSTATIONS)
def test_an_officer_files_a_card_from_the_workstations_browser(hosts, workstation, server, mo):
    name, password = f"ws_{mo.lower().replace('-', '')}_officer", f"Lab-{secrets.token_hex(8)}-Zz9"
    manage_shell("region-srv", MAKE_OFFICER.format(mo=mo, name=name, password=password))
    if server != "region-srv":
        wait_level("the officer's account")
    bank = f"https://{hosts[server]['site_name']}"
    family = f"Станционные-{secrets.token_hex(3)}"
    with workstation_chromium(workstation) as cdp, sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(cdp)
        page = browser.contexts[0].new_page()
        page.set_default_timeout(30000)
        # the policies in force, as the browser itself reports them
        page.goto("chrome://policy")
        # (the page draws its list in shadow DOM, which Playwright's text locators pierce)
        for policy in (
            "URLAllowlist",
            "URLBlocklist",
            "PasswordManagerEnabled",
            "DownloadRestrictions",
            "ExtensionInstallBlocklist",
            "CACertificates",
        ):
            page.get_by_text(policy, exact=True).first.wait_for()  # fmt: skip
        # any other site is refused by the policy, the bank of another МО too
        other = next(
            hosts[site]["site_name"] for site in ("region-srv", "mo3-srv") if site != server
        )
        refused = browser.contexts[0].new_page()
        with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_ADMINISTRATOR"):
            refused.goto(f"https://{other}/")
        refused.close()
        answer = page.goto(bank + "/accounts/login/")
        assert answer.ok, answer.status
        page.get_by_label("Имя входа").fill(name)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("link", name="Семьи", exact=True).click()
        page.get_by_role("link", name="Новая карточка семьи").click()
        page.get_by_label("Фамилия семьи").fill(family)
        page.get_by_label("Адрес фактического проживания").fill(
            "г. Образцов, ул. Станционная, д. 2"
        )
        page.get_by_label("Дата постановки на учёт").fill("2026-11-20")
        page.get_by_label("Основание постановки").select_option(index=1)
        page.get_by_role("button", name="Сохранить").click()
        page.get_by_role("heading", name=f"Семья {family}").wait_for()
        browser.close()
    # the audit event of that card names the workstation's tunnel address
    address = sql(
        server,
        "SELECT string_agg(DISTINCT host(e.client_ip), ',') FROM audit_auditevent e "
        f"JOIN registry_family f ON e.object_id = f.id WHERE f.family_name = '{family}'",
    )
    assert address == hosts[workstation]["vpn_address"]
