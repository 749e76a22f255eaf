"""tools/: the start-up fix installed into the virtual environment by bootstrap.sh."""
import subprocess
import sys

PROBE = """
import sys, nbformat
loaded_early = "rfc3987_syntax.syntax_helpers" in sys.modules
import jsonschema
checker = jsonschema.FormatChecker()
print(loaded_early, "iri" in checker.checkers,
      checker.conforms("http://example.com/ä", "iri"), checker.conforms("not an iri ::", "iri"))
"""


def test_rfc3987_is_imported_only_when_an_iri_is_validated():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True", "False"], out.stdout + out.stderr
