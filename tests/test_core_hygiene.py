"""The core must import without textual or the CLI framework (they are thin layers over it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import lsr

PKG = Path(lsr.__file__).parent
UI_PACKAGES = ("cli", "tui")


def core_modules() -> list[str]:
    mods = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = rel.parts
        if parts[0] in UI_PACKAGES or parts[0] == "migrations":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods.append(".".join(("lsr", *parts)))
    return mods


def test_core_modules_found():
    assert {"lsr.protocol", "lsr.models", "lsr.db", "lsr.status"} <= set(core_modules())


def test_core_imports_without_textual_or_click():
    code = (
        "import importlib, sys\n"
        f"for m in {core_modules()!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'click', 'typer'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"
