"""The offline bundle (issue 15): everything a region installs, in one signed folder.

    <bundle>/
      repository/       a Debian repository (reprepro): every package any role installs,
                        with every dependency apt resolves, from bookworm, its updates and
                        its security updates of the day; InRelease and Release.gpg signed
                        with the region's OpenPGP key (vault_offline_repository_key)
      keys/             the region key's public part: region-repository.gpg (apt's
                        signed-by), region-repository.asc
      app-bundle-<v>/   the registry application's own signed bundle (regbank.app_bundle)
      wheelhouse/       the controller's wheels for Python 3.11 (requirements.lock, with
                        hashes) and collections/ (collections/requirements.yml)
      BUNDLE.json       what was built: date, suite, architecture, packages per role
      SHA256SUMS(.sig)  every file's sum, signed with the kit's Ed25519 key

One concern per module: packages (what the roles install), apt (resolving and
downloading with apt itself), repository (reprepro and gpg), wheelhouse, bundle
(build and verify).
"""
