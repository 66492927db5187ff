"""Tests of the Python client against the real portal-rpc (see ../README.md)."""
