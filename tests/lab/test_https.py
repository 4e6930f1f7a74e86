"""The registry answers over HTTPS through nginx on the deployed lab, as a user's browser
sees it: the region's CA vouches for the certificate, plain HTTP is sent to HTTPS, the
security headers are there, and the first administrator logs in.
"""

import re
import shlex
import ssl
from http.cookies import SimpleCookie

import pytest
import urllib3
import yaml
from conftest import run

from regbank.inventory import load_inventory

pytestmark = pytest.mark.full_site


@pytest.fixture(scope="module")
def site(site_lab, tmp_path_factory):
    """The regional server's address, its public name and the region's CA certificate."""
    inventory = load_inventory(site_lab)
    regional = next(host for host in inventory.hosts.values() if "regional" in host.groups)
    ca = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.write_text(
        yaml.safe_load((site_lab / "group_vars/all/pki_ca.yml").read_text())["pki_ca_certificate"]
    )
    vault = run("ansible-vault", "view", str(site_lab / "group_vars/all/vault.yml")).stdout
    return {
        "address": regional.vars["ansible_host"],
        "name": regional.vars["regbank_public_name"],
        "ca": str(ca),
        "password": yaml.safe_load(vault)["vault_registry_app_admin_password"],
    }


def https(site) -> urllib3.HTTPSConnectionPool:
    """A connection to the server's address that checks the certificate for its name
    (headers given to a request replace the pool's: each request names the Host)."""
    return urllib3.HTTPSConnectionPool(
        site["address"], 443, server_hostname=site["name"], assert_hostname=site["name"],
        ca_certs=site["ca"], cert_reqs=ssl.CERT_REQUIRED, retries=False, timeout=30,
        headers={"Host": site["name"]},
    )  # fmt: skip


def test_plain_http_is_sent_to_https(site):
    pool = urllib3.HTTPConnectionPool(site["address"], 80, retries=False, timeout=30)
    answer = pool.request("GET", "/cards/", headers={"Host": site["name"]}, redirect=False)
    assert answer.status == 301
    assert answer.headers["Location"] == f"https://{site['name']}/cards/"


def test_certificate_of_the_regions_ca_and_security_headers(site):
    answer = https(site).request("GET", "/accounts/login/", redirect=False)
    assert answer.status == 200
    assert "Вход" in answer.data.decode()
    headers = answer.headers
    assert "max-age=" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "nginx/" not in headers.get("Server", "")  # no version given away


def post_login(pool, site, username, password):
    """POST the login form as a browser does: (the answer, the session's cookie header)."""
    page = pool.request("GET", "/accounts/login/")
    cookies = SimpleCookie()
    cookies.load(page.headers["Set-Cookie"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.data.decode())[1]
    answer = pool.request_encode_body(
        "POST", "/accounts/login/",
        fields={"csrfmiddlewaretoken": token, "username": username, "password": password},
        encode_multipart=False, redirect=False,
        headers={"Cookie": "; ".join(f"{k}={v.value}" for k, v in cookies.items()),
                 "Referer": f"https://{site['name']}/accounts/login/", "Host": site["name"]},
    )  # fmt: skip
    for header in answer.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return answer, "; ".join(f"{k}={v.value}" for k, v in cookies.items())


def test_first_administrator_logs_in_over_https(site):
    pool = https(site)
    answer, jar = post_login(pool, site, "admin", site["password"])
    assert answer.status == 302, answer.data.decode()[:2000]
    assert "Secure" in answer.headers["Set-Cookie"]
    # The first administrator logs in with the deploy's password, a temporary one: every
    # page sends it to the forced password change (the password is left as it is, since
    # the other lab tests log in with it).
    location, page = answer.headers["Location"], None
    for _ in range(3):
        page = pool.request(
            "GET", location, headers={"Cookie": jar, "Host": site["name"]}, redirect=False
        )
        if page.status != 302:
            break
        location = page.headers["Location"]
    assert page.status == 200 and location.endswith("/accounts/password/"), location
    assert "Вы вошли с временным паролем" in page.data.decode()


def test_lab_status_says_how_to_reach_the_bank(site, site_lab):
    """The welcome `make lab` ends with: the commands it prints work as printed."""
    status = run("regbank", "lab", "-i", str(site_lab), "status").stdout
    assert f"https://{site['name']}/" in status and f"{site['address']} {site['name']}" in status
    curl = next(line for line in status.splitlines() if line.strip().startswith("curl "))
    page = run(*shlex.split(curl.strip()), "-sS", "-o", "/dev/null", "-w", "%{http_code}")
    assert page.stdout in ("200", "302"), page.stdout  # curl fails on a wrong name or CA
    shown = next(line for line in status.splitlines() if " view --vault-password-file " in line)
    vault = run(*shlex.split(shown.strip())).stdout
    assert yaml.safe_load(vault)["vault_registry_app_admin_password"] == site["password"]
