"""Importing the ranking stack (asreview) must leave HTTP uncached: updates must see fresh answers."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow  # imports asreview in a fresh interpreter
def test_asreview_import_through_lsr_keeps_requests_uncached(tmp_path):
    code = (
        "import os, requests\n"
        "import lsr.ranking\n"
        "import asreview\n"
        "print(requests.Session.__module__, os.path.exists('synergy_cache.sqlite'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["requests.sessions", "False"]
    assert not list(tmp_path.iterdir())
