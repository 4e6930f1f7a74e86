"""The roles a user can hold: the one definition every app's access rules read."""

from django.db import models


class Role(models.TextChoices):
    REGIONAL = "regional", "Региональный специалист"
    MUNICIPAL = "municipal", "Специалист КДН и ЗП муниципального образования"
    AGENCY = "agency", "Специалист субъекта профилактики"
    AUDITOR = "auditor", "Аудитор"
