from django.conf import settings

from . import site as site_module


def site(request):
    return {
        "site_label": site_module.site_label(),
        "site_is_regional": site_module.is_regional(),
        "region_name": settings.REGBANK_REGION_NAME,
        "regional_url": settings.REGBANK_REGIONAL_URL,
    }
