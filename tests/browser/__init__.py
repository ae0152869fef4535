"""The staff portal driven in headless Chromium (pytest -m browser)."""
