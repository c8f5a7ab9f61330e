"""Registers the real SMTP server fixtures (`smtp_server`, `down_smtp`) for every test.

To use: `pytest_plugins = ["conftest_smtp"]` in tests/conftest.py. Until then, a test module
imports them itself: `from smtp_server import smtp_server  # noqa: F401`.
"""

from smtp_server import down_smtp, smtp_server

__all__ = ["down_smtp", "smtp_server"]
