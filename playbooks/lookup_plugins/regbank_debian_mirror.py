"""Lookup: the controller's Debian mirror as baseline_apt_repositories entries."""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from regbank.debian_mirror import host_debian_mirror
from regbank_foundation.errors import RegbankError

DOCUMENTATION = """
name: regbank_debian_mirror
short_description: The Debian mirror the controller's apt uses, as apt repository entries
description:
  - Reads the controller's apt sources and returns the bookworm archive and security
    repositories in the shape of the baseline role's baseline_apt_repositories.
  - The lab installs from the same mirror as the machine it runs on.
"""


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        try:
            return host_debian_mirror().repositories()
        except RegbankError as error:
            raise AnsibleLookupError(str(error)) from error
