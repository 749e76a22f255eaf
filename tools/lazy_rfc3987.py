"""Import rfc3987_syntax only when an IRI is actually validated.

jsonschema imports rfc3987_syntax, when it is installed, to offer an "iri"
format check, and rfc3987_syntax builds an Earley parser for RFC 3987 at import
time: about 2.9 s, paid by every process that imports nbformat (every nbgrader
and jupytext command, the Jupyter server, each build worker).  Nothing in this
course validates IRIs.  So this puts a stand-in module in its place whose
functions import the real one on first use: the same behaviour, without the wait.

bootstrap.sh copies this file into the virtual environment's site-packages and
adds a one-line .pth file that imports it at start-up.
"""
import importlib
import importlib.abc
import importlib.machinery
import sys

NAME = "rfc3987_syntax"


def _real_module():
    """The real rfc3987_syntax, imported now (and from then on) in place of the stand-in."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    stand_in = sys.modules.pop(NAME, None)
    try:
        return importlib.import_module(NAME)
    except BaseException:
        if stand_in is not None:
            sys.modules[NAME] = stand_in
        raise


class _StandInLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        def is_valid_syntax(*args, **kwargs):
            return _real_module().is_valid_syntax(*args, **kwargs)

        def __getattr__(attribute):
            # The import system probes dunders (e.g. __path__ on `from ... import`);
            # answering those must not trigger the slow import.
            if attribute.startswith("__"):
                raise AttributeError(attribute)
            return getattr(_real_module(), attribute)

        module.is_valid_syntax = is_valid_syntax
        module.__getattr__ = __getattr__


class _StandInFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != NAME:
            return None
        if importlib.machinery.PathFinder.find_spec(name, path) is None:
            return None  # not installed: behave exactly as without us
        return importlib.machinery.ModuleSpec(name, _StandInLoader())


_FINDER = _StandInFinder()
sys.meta_path.insert(0, _FINDER)
