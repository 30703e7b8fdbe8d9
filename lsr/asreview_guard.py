"""Importing asreview without its side effect on HTTP.

``import asreview`` imports ``synergy_dataset``, whose module body calls
``requests_cache.install_cache("synergy_cache", ...)``: that patches ``requests.Session`` for the whole
process and writes ``synergy_cache.sqlite`` into the current directory. In lsr that would silently serve
cached OpenAlex answers to the next update in the same process (the screener app ranks and updates in
one process). ``install()`` puts an import hook in place that neutralises exactly that call while
``synergy_dataset`` loads; everything else in requests_cache keeps working.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

_TARGET = "synergy_dataset.base"


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


class _Loader(importlib.abc.Loader):
    def __init__(self, inner) -> None:
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        try:
            import requests_cache
        except ImportError:
            self.inner.exec_module(module)
            return
        original = requests_cache.install_cache
        requests_cache.install_cache = lambda *args, **kwargs: None
        try:
            self.inner.exec_module(module)
        finally:
            requests_cache.install_cache = original


def install() -> None:
    """Activate the guard (idempotent). Must run before anything imports asreview."""
    if _TARGET in sys.modules:
        try:
            import requests_cache

            requests_cache.uninstall_cache()
        except ImportError:
            pass
        return
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
