"""What nginx itself answers on a host the nginx role has converged.

No application runs behind it here (the registry_app scenario puts nginx in front of
the real one): proxied paths answer 502, and must still carry every security header.
"""

import json
import re

NAME = "bank.molecule.regbank.test"
CURL = f"curl -sS --cacert /etc/regbank/pki/ca.crt --resolve {NAME}:443:127.0.0.1"


def _headers(host, url):
    out = host.check_output(f"{CURL} -o /dev/null -D - {url}")
    lines = out.replace("\r", "").splitlines()
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return lines[0], headers


def test_nginx_runs_and_its_configuration_tests_clean(host):
    assert host.service("nginx").is_running and host.service("nginx").is_enabled
    assert host.run("nginx -t").rc == 0
    assert not host.file("/etc/nginx/sites-enabled/default").exists


def test_http_redirects_to_https(host):
    status, headers = _headers(host, "http://127.0.0.1/accounts/login/?next=/audit/")
    assert " 301" in status
    assert headers["location"] == f"https://{NAME}/accounts/login/?next=/audit/"


def test_certificate_verifies_for_the_public_name(host):
    # curl checks the chain against the CA and the name against the certificate.
    assert host.run(f"{CURL} -o /dev/null https://{NAME}/").rc == 0


# Debian's OpenSSL client refuses TLS 1.0/1.1 by itself (SECLEVEL 2): told to accept
# anything old (SECLEVEL=0), a refusal can only be the server's.
OLD_CLIENT = "-cipher DEFAULT@SECLEVEL=0"


def test_only_tls_12_and_13(host):
    base = f"openssl s_client -connect 127.0.0.1:443 -servername {NAME} </dev/null"
    assert host.run(f"{base} -tls1_2").rc == 0
    assert host.run(f"{base} -tls1_3").rc == 0
    assert host.run(f"{base} -tls1_1 {OLD_CLIENT}").rc != 0
    assert host.run(f"{base} -tls1 {OLD_CLIENT}").rc != 0


def test_the_old_tls_client_would_connect_to_a_server_that_allows_it(host):
    """The control for the refusals above: the same client, against a throwaway server
    that offers TLS 1.1, completes the handshake (stdin held open: s_server stops at EOF)."""
    served = host.run(
        "cd $(mktemp -d) && openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=old -days 1 "
        "-keyout key.pem -out cert.pem 2>/dev/null && "
        "(sleep 20 | timeout 20 openssl s_server -accept 127.0.0.1:4433 -cert cert.pem "
        f"-key key.pem -tls1_1 {OLD_CLIENT} -naccept 1 >/dev/null 2>&1 &) && sleep 2 && "
        f"openssl s_client -connect 127.0.0.1:4433 -tls1_1 {OLD_CLIENT} </dev/null"
    )
    assert served.rc == 0, served.stdout + served.stderr
    assert re.search(r"^New, TLSv1\.\d, Cipher is [A-Z]", served.stdout, re.M), served.stdout
    assert re.search(r"Protocol\s*: TLSv1\.1$", served.stdout, re.M), served.stdout


def test_security_headers_even_on_errors(host):
    status, headers = _headers(host, f"https://{NAME}/")
    assert " 502" in status  # nothing listens on 127.0.0.1:8000 in this scenario
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert headers["server"] == "nginx"  # no version


def test_large_bodies_are_refused(host):
    code = host.check_output(
        f"head -c 11000000 /dev/zero | {CURL} -o /dev/null -w '%{{http_code}}' "
        f"--data-binary @- https://{NAME}/upload/"
    )
    assert code == "413"


def test_login_attempts_are_rate_limited_not_the_form(host):
    attempts = host.check_output(
        f"for i in $(seq 1 40); do {CURL} -o /dev/null -w '%{{http_code}}\\n' "
        f"--data 'username=x&password=y' https://{NAME}/accounts/login/; done"
    ).split()
    assert "429" in attempts, attempts
    # Showing the form and other pages are not limited.
    for path in ("/accounts/login/", "/cards/"):
        codes = host.check_output(
            f"for i in $(seq 1 12); do {CURL} -o /dev/null -w '%{{http_code}}\\n' "
            f"https://{NAME}{path}; done"
        ).split()
        assert "429" not in codes, (path, codes)


def test_access_log_is_json_without_query_strings(host):
    host.run(f"{CURL} -o /dev/null 'https://{NAME}/search/?q=Иванов'")
    lines = host.file("/var/log/nginx/regbank-access.log").content_string.splitlines()
    entries = [json.loads(line) for line in lines]
    last = entries[-1]
    assert last["path"] == "/search/"
    assert "Иванов" not in lines[-1] and "q=" not in lines[-1]
    assert isinstance(last["status"], int) and last["tls"].startswith("TLSv1.")
    assert any(entry["status"] == 429 for entry in entries)


def test_signature_mirror_serves_files_read_only(host):
    """freshclam's PrivateMirror: the folder's files by GET, nothing else; a name
    outside the folder is not reachable through it."""
    host.run("printf 'cvd bytes' > /srv/regbank/clamav/daily.cvd")
    url = f"https://{NAME}/clamav"
    assert host.check_output(f"{CURL} {url}/daily.cvd") == "cvd bytes"
    assert host.check_output(f"{CURL} -o /dev/null -w '%{{http_code}}' -I {url}/daily.cvd") == "200"
    assert host.check_output(f"{CURL} -o /dev/null -w '%{{http_code}}' {url}/main.cvd") == "404"
    posted = f"{CURL} -o /dev/null -w '%{{http_code}}' -X PUT --data x {url}/daily.cvd"
    assert host.check_output(posted) == "403"
    traversal = f"{CURL} --path-as-is -o /dev/null -w '%{{http_code}}' {url}/../../etc/passwd"
    assert host.check_output(traversal) in ("400", "404")
    assert host.check_output(f"{CURL} -o /dev/null -w '%{{http_code}}' {url}/") in ("403", "404")


def test_broken_site_file_is_refused_by_the_check(host):
    """The check the role's template runs before a file replaces the live one."""
    result = host.run(
        "printf 'server { listen 443 ssl; bogus_directive on; }\\n' > /tmp/broken.conf && "
        "/usr/local/sbin/nginx-test-site /tmp/broken.conf; rc=$?; rm -f /tmp/broken.conf; exit $rc"
    )
    assert result.rc != 0
    assert "bogus_directive" in result.stderr
    assert host.run("nginx -t").rc == 0


def test_nginx_conf_offers_no_old_tls_either(host):
    lines = host.file("/etc/nginx/nginx.conf").content_string.splitlines()
    protocols = [line.split()[1:] for line in lines if line.strip().startswith("ssl_protocols")]
    assert protocols == [["TLSv1.2", "TLSv1.3;"]], protocols
