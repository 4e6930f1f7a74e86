"""What an operator sees on a host the pki role has converged."""

import os

HOST = os.environ.get("REGBANK_MOLECULE_HOST", "debian12")
PKI = "/etc/regbank/pki"


def test_files_and_permissions(host):
    ca = host.file(f"{PKI}/ca.crt")
    cert = host.file(f"{PKI}/host.crt")
    key = host.file(f"{PKI}/host.key")
    assert (ca.user, ca.group, ca.mode) == ("root", "root", 0o644)
    assert (cert.user, cert.group, cert.mode) == ("root", "root", 0o644)
    assert (key.user, key.group, key.mode) == ("root", "ssl-cert", 0o640)
    # PostgreSQL and nginx must be able to walk down to the files.
    assert host.file("/etc/regbank").mode == 0o755


def test_certificate_verifies_against_the_ca(host):
    out = host.check_output(
        f"openssl verify -CAfile {PKI}/ca.crt -purpose sslserver {PKI}/host.crt"
    )
    assert out.endswith(": OK")
    assert (
        host.run(f"openssl verify -purpose sslclient -CAfile {PKI}/ca.crt {PKI}/host.crt").rc == 0
    )


def test_certificate_names(host):
    text = host.check_output(f"openssl x509 -in {PKI}/host.crt -noout -ext subjectAltName")
    assert f"DNS:{HOST}" in text
    assert "DNS:bank.molecule.test" in text
    assert "IP Address:192.0.2.10" in text
    assert f"CN = {HOST}" in host.check_output(f"openssl x509 -in {PKI}/host.crt -noout -subject")


def test_key_belongs_to_the_certificate(host):
    cert_pub = host.check_output(f"openssl x509 -in {PKI}/host.crt -noout -pubkey")
    key_pub = host.check_output(f"openssl pkey -in {PKI}/host.key -pubout")
    assert cert_pub == key_pub
    assert "ASN1 OID: prime256v1" in host.check_output(
        f"openssl pkey -in {PKI}/host.key -noout -text"
    )


def test_certificate_valid_for_a_year_and_not_expiring(host):
    assert host.run(f"openssl x509 -in {PKI}/host.crt -noout -checkend {300 * 86400}").rc == 0
    assert host.run(f"openssl x509 -in {PKI}/host.crt -noout -checkend {400 * 86400}").rc != 0


def test_ca_is_trusted_system_wide(host):
    assert host.file("/usr/local/share/ca-certificates/regbank-ca.crt").exists
    # Verifies with the system bundle alone, as curl and rsyslog would.
    assert host.run(f"openssl verify {PKI}/host.crt").rc == 0


def test_no_ca_key_on_the_host(host):
    ca_public = host.check_output(f"openssl x509 -in {PKI}/ca.crt -noout -pubkey")
    keys = host.check_output(
        "grep -rlE -- '-----BEGIN (EC )?PRIVATE KEY' /etc /root || true"
    ).split()
    assert f"{PKI}/host.key" in keys
    for key in keys:
        assert host.check_output(f"openssl pkey -in {key} -pubout") != ca_public, key
