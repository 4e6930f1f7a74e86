"""What an operator sees on a host the baseline role has converged."""

import os

KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIEWMDQ0z+fc5irlxiz3JCdMt9FrExl9vpMe65uhfnGHr"


def test_hostname(host):
    # The container is named after the scenario's host; the role keeps that name.
    assert host.check_output("hostname") == os.environ.get("REGBANK_MOLECULE_HOST", "debian12")


def test_moscow_time(host):
    assert host.file("/etc/localtime").linked_to.endswith("Europe/Moscow")
    assert host.check_output("date +%Z") == "MSK"


def test_chrony_serves_the_region(host):
    assert host.service("chrony").is_running
    assert host.service("chrony").is_enabled
    conf = host.file("/etc/chrony/chrony.conf").content_string
    assert "allow 10.89.0.0/24" in conf
    assert "local stratum 10" in conf
    # chronyd answers on its command socket.
    assert "Reference ID" in host.check_output("chronyc -n tracking")


def test_russian_locale(host):
    assert "ru_RU.utf8" in host.check_output("locale -a").split()
    assert "LANG=ru_RU.UTF-8" in host.file("/etc/default/locale").content_string


def test_admin_has_key_and_sudo(host):
    admin = host.user("rbadmin")
    assert admin.exists
    assert admin.shell == "/bin/bash"
    keys = host.file("/home/rbadmin/.ssh/authorized_keys")
    assert keys.user == "rbadmin"
    assert keys.mode == 0o600
    assert KEY in keys.content_string
    with host.sudo("rbadmin"):
        assert host.check_output("sudo -n id -un") == "root"


def test_apt_sources_are_the_configured_ones(host):
    sources = host.file("/etc/apt/sources.list.d/regbank.sources").content_string
    assert "Suites: bookworm-security" in sources
    assert not host.file("/etc/apt/sources.list").exists
    assert host.run("apt-get update -qq").rc == 0


def test_apt_fetches_through_the_configured_proxy(host):
    dump = host.run("apt-config dump Acquire::http::Proxy").stdout
    assert dump.startswith('Acquire::http::Proxy "http://') and ':3142";' in dump


def test_a_stalled_apt_download_times_out_and_is_retried(host):
    dump = host.check_output("apt-config dump Acquire")
    assert 'Acquire::http::Timeout "60";' in dump
    assert 'Acquire::Retries "3";' in dump


def test_a_successful_index_refresh_leaves_the_stamp_the_apt_module_reads(host):
    # The stamp lets every later role's cache_valid_time skip another refresh.
    stamp = host.file("/var/lib/apt/periodic/update-success-stamp")
    assert stamp.exists
    age = int(host.check_output(f"echo $(( $(date +%s) - $(stat -c %Y {stamp.path}) ))"))
    assert 0 <= age < 3600
