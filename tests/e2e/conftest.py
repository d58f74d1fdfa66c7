"""The browser tests use the web tests' synthetic county."""

from ..integration.web.conftest import county, county_templates  # noqa: F401
