# regbank — the two commands users run are `make lab` and `make test`.
# Every target installs what it needs and is safe to run again.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := .stamps
UV_VERSION := 0.13.9
# `make lab LAB_SAMPLE=0`: the lab's bank without the sample region's activity.
LAB_SAMPLE ?= 1
# Debian packages the controller needs: Docker engine and debootstrap for the lab,
# PostgreSQL and nginx for the application's tests, OpenSSH client for the lab,
# apt-cacher-ng as the package proxy every lab and molecule container shares,
# poppler-utils to read the evidence pack's PDFs back in tests, openssh-server for the
# SSH runner's tests (they start their own sshd on 127.0.0.1; where systemd runs, the
# package also enables Debian's ssh service), reprepro and gnupg for the offline bundle's
# signed Debian repository (regbank offline build, docs/offline.md).
APT_PACKAGES := docker.io debootstrap openssh-client openssh-server postgresql-15 nginx-light \
                chromium fonts-dejavu-core locales apt-cacher-ng poppler-utils reprepro gnupg
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help lab lab-down test lint unit app-test molecule lab-test lab-drill bench bench-deploy bench-replication lab-large-region calibrate lock host venv docker apt-proxy

help:
	@echo "make lab    bring up the sample region in local containers and deploy it"
	@echo "make test   the whole suite: lint, unit, molecule, lab integration"
	@echo "make lab-down   remove the lab's containers, network and key"

# The lab's vault password, made by `regbank lab up` (docs/secrets.md).
LAB_VAULT_PASSWORD := $(CURDIR)/.lab/regbank-lab/vault-password
lab lab-test lab-drill calibrate: export ANSIBLE_VAULT_PASSWORD_FILE := $(LAB_VAULT_PASSWORD)

## The main job: the sample region deployed in local containers.
## The lab is a closed segment (docs/offline.md): its hosts install from the offline
## bundle built here (with the application inside), and nothing leaves the lab network.
lab: host venv
	$(BIN)/regbank lab up
	$(BIN)/regbank lab bundle
	$(BIN)/ansible-playbook playbooks/site.yml
	@if [ "$(LAB_SAMPLE)" != 0 ]; then $(BIN)/ansible-playbook playbooks/lab-sample.yml; fi
	$(BIN)/regbank lab status

lab-down: venv
	$(BIN)/regbank lab down

## The whole suite, as CI runs it. The unit and app tests run beside each other (one
## pytest process each: 193 s for both against about 250 s one after the other on
## 04.12.2026, 2 idle cores); the role scenarios and the lab test then one after
## another: with the unit and app tests beside the scenarios (tried 04.12.2026) the two
## cores were oversubscribed and the scenarios took 28 min instead of about 20.
test: host venv lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target unit app-test
	@$(MAKE) --no-print-directory molecule
	@$(MAKE) --no-print-directory lab-test

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint roles playbooks tests/molecule

unit: host venv
	$(BIN)/pytest tests/unit

# Every role's scenario, MOLECULE_JOBS at a time (containers are named per role and
# packages come through the shared proxy, so scenarios do not collide). Each log is
# kept in .lab/molecule/<role>.log; a failing one is printed. `make molecule ROLES=nginx`
# runs one role's. A scenario keeps under half a core busy (it waits on apt and systemd),
# so three at a time fit two cores: 16 min for the ten roles on 03.12.2026 (idle 2 cores).
# The longest scenarios start first (04.12.2026: registry_app 427 s, os_hardening 405 s,
# package_source 373 s, vpn ~300 s), so no long one starts last and runs alone.
MOLECULE_JOBS ?= 3
MOLECULE_FIRST := registry_app os_hardening package_source vpn
ROLES ?= $(filter $(MOLECULE_FIRST),$(patsubst roles/%/molecule,%,$(wildcard roles/*/molecule))) \
  $(filter-out $(MOLECULE_FIRST),$(patsubst roles/%/molecule,%,$(wildcard roles/*/molecule)))
molecule: host venv
	$(BIN)/regbank lab image
	@mkdir -p .lab/molecule
	@printf '%s\n' $(ROLES) | xargs -P $(MOLECULE_JOBS) -I{} sh -c '\
	  start=$$(date +%s); \
	  if (cd roles/{} && REGBANK_MOLECULE_HOST=$$(echo {} | tr _ -) \
	        ../../$(BIN)/molecule test --all) \
	       > .lab/molecule/{}.log 2>&1; then \
	    echo "== molecule: {} passed in $$(( $$(date +%s) - start )) s"; \
	  else \
	    echo "== molecule: {} FAILED; last lines of .lab/molecule/{}.log:"; \
	    tail -n 80 .lab/molecule/{}.log; exit 1; \
	  fi'

# The registry application's tests start their own PostgreSQL 15 cluster.
app-test: host venv
	cd app_bundle && ../$(BIN)/pytest

# The sample region on the lab end to end with the whole site.yml: up, reuse, deploy,
# a second run with no change, check mode clean, the operator's view, HTTPS through
# nginx, `regbank attest` (hardened passes, a fresh host fails), the backup restore
# drill into a fresh host, the lab deployed from the offline bundle with its network cut, a
# newer bundle applied, down. 19 min on 2 vCPU (05.12.2026); the slowest steps are printed.
lab-test: host venv
	$(BIN)/pytest tests/lab --durations=12 --durations-min=30

# The restore drill alone on a freshly deployed lab (part of lab-test too).
lab-drill: host venv
	$(BIN)/pytest tests/lab -m "drill or teardown"

# The application's benchmarks (analytics views, card view and search) on a throwaway
# PostgreSQL cluster with 100 000 cards and 5 million audit events; figures in docs/.
bench: host venv
	cd app_bundle && ../$(BIN)/python -m bench.run

# How long site.yml takes on the lab (issue 16's figures): a fresh lab, the cold deploy
# and its floor (apt-get install of the same packages on fresh hosts), BENCH_RUNS
# no-change and check runs (median); results in docs/deploy-speed.md, the ten slowest
# tasks printed. ~25 minutes on a quiet machine; leaves the lab deployed.
BENCH_RUNS ?= 3
bench-deploy: host venv
	$(BIN)/python -m regbank.bench_deploy --runs $(BENCH_RUNS) $(BENCH_ARGS)

# A municipal server's catch-up after a week's outage, on the deployed lab (`make lab`).
bench-replication: venv
	$(BIN)/python -m regbank.bench_catch_up --runs $(BENCH_RUNS)

## The benchmarks' large region in the lab's database (60 МО, 100 000 cards, 5 M audit
## events): once, after make lab and before make calibrate, which measures on it.
lab-large-region: venv
	$(BIN)/regbank lab ssh region-srv -- sudo regbank-manage --owner load_sample_activity --large
	$(BIN)/regbank lab ssh region-srv -- sudo -u postgres psql -d regbank -c "'VACUUM (ANALYZE)'"

## The planner's coefficients measured on the lab's regional server (make lab first;
## run it on a quiet machine). CALIBRATE_ARGS adds options (docs/capacity-planner.md).
calibrate: venv
	$(BIN)/regbank calibrate -i inventory/lab --host region-srv \
	  --out capacity_planner/calibration/lab-$$(date +%F).yaml $(CALIBRATE_ARGS)

## How long `regbank plan` takes for generated regions of 100, 1000 and 10 000 МО
## (the median of three runs each); figures in docs/capacity-planner.md. ~3 minutes.
.PHONY: bench-planner
bench-planner: venv
	$(BIN)/python -m capacity_planner.bench

## The offline bundle (docs/offline.md) of the region OFFLINE_INVENTORY (default: the
## lab, whose vault `regbank lab up` makes) in OFFLINE_OUT and OFFLINE_OUT.tar, apt
## downloading through make host's proxy; OFFLINE_ARGS adds options (--replace).
.PHONY: offline-bundle
# The lab's inventory names this folder (regbank_offline_bundle).
OFFLINE_OUT ?= build/offline-bundle
OFFLINE_INVENTORY ?= inventory/lab
offline-bundle: export ANSIBLE_VAULT_PASSWORD_FILE ?= $(LAB_VAULT_PASSWORD)
offline-bundle: host venv
	$(BIN)/regbank offline build --out $(OFFLINE_OUT) -i $(OFFLINE_INVENTORY) \
	  --apt-proxy http://127.0.0.1:3142 $(OFFLINE_ARGS)

## Regenerate the lock file after changing pyproject.toml.
lock: venv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --generate-hashes -o requirements.lock

## Controller venv, synced to the lock file; re-synced when the lock changes.
# The stamp stands for the venv only while the venv is there (a removed .venv is rebuilt).
venv:
	@test -x $(BIN)/python || rm -f $(STAMPS)/venv
	@$(MAKE) --no-print-directory -s $(STAMPS)/venv
$(STAMPS)/venv: requirements.lock pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

## Host packages and a running Docker engine.
host: $(STAMPS)/apt docker apt-proxy
$(STAMPS)/apt: Makefile
	@mkdir -p $(STAMPS)
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "apt: installing$$missing"; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	touch $@

# dockerd is started by hand where systemd is not PID 1 (see docs/lab.md).
docker:
	@if ! docker info >/dev/null 2>&1; then \
	  echo "docker: starting dockerd"; \
	  setsid nohup dockerd >/var/log/regbank-dockerd.log 2>&1 < /dev/null & \
	  for i in $$(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done; \
	  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/regbank-dockerd.log"; exit 1; }; \
	fi
	@# Each systemd container takes several inotify instances; at Debian's 128 the 23rd
	@# container of a 20-workstation lab never finished booting (04.12.2026).
	@if [ "$$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 1024 ]; then \
	  echo "docker: fs.inotify.max_user_instances=1024 for many systemd containers"; \
	  sysctl -qw fs.inotify.max_user_instances=1024; \
	fi

# The package proxy on the Docker bridge (docs/lab.md): containers fetch through it,
# so each package is downloaded once and hosts install at the same time safely.
# Debian's packages come from deb.debian.org, not the package's default mirror list.
ACNG_CONF := /etc/apt-cacher-ng/zz_regbank.conf
ACNG_REMAP := Remap-debrep: file:deb_mirror*.gz /debian ; http://deb.debian.org/debian/
ACNG_UP := curl -sf -o /dev/null http://127.0.0.1:3142/acng-report.html
apt-proxy: $(STAMPS)/apt
	@if [ "$$(cat $(ACNG_CONF) 2>/dev/null)" != '$(ACNG_REMAP)' ]; then \
	  echo '$(ACNG_REMAP)' > $(ACNG_CONF); \
	  /etc/init.d/apt-cacher-ng stop >/dev/null 2>&1 || true; \
	fi
	@if ! $(ACNG_UP); then \
	  echo "apt-proxy: starting apt-cacher-ng"; \
	  /etc/init.d/apt-cacher-ng start >/dev/null; \
	  for i in $$(seq 30); do $(ACNG_UP) && break; sleep 1; done; \
	  $(ACNG_UP) || { echo "apt-cacher-ng did not start; see /var/log/apt-cacher-ng"; exit 1; }; \
	fi
