"""Base classes that carry the replication rules (docs/architecture.md).

* ``ReferenceModel``: directories and accounts. UUID key; mastered at the regional
  server and replicated down, so a municipal site refuses to write them.
* ``RegistryModel``: card-file rows. UUID key and the МО on every row; writable only at
  the row's home site (the МО's own server if it has one, else the regional server).
"""

from __future__ import annotations

import uuid

from django.db import models

from . import site


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class ReferenceModel(UUIDModel):
    class Meta:
        abstract = True

    def _check_home(self):
        if not site.masters_reference_data():
            raise site.ReadOnlyHere(
                f"{self._meta.label} is mastered at the regional server; "
                "it is read-only at a municipal site"
            )

    def save(self, *args, **kwargs):
        self._check_home()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_home()
        return super().delete(*args, **kwargs)


class RegistryModel(UUIDModel):
    mo = models.ForeignKey(
        "directory.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="МО",
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_home_here(self) -> bool:
        return site.is_home_of(self.mo)

    @property
    def home_site_label(self) -> str:
        return site.home_site_label(self.mo)

    @property
    def home_site_url(self) -> str | None:
        return site.home_site_url(self.mo)

    def _check_home(self):
        if not site.is_home_of(self.mo):
            raise site.ReadOnlyHere(
                f"{self._meta.label} {self.pk} of {self.mo.code} is edited "
                f"at site {site.home_site_code(self.mo)}, not here ({site.site_code()})"
            )

    def save(self, *args, **kwargs):
        self._check_home()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_home()
        return super().delete(*args, **kwargs)
