"""Runs schemathesis against the running gateway with the document it serves: every operation, stateful links
included, a bounded number of examples each. Checks that no response is a 5xx and that status codes, content
types, headers and bodies conform to the document, and that operations needing a token refuse requests without
one. Exit status 0 only when nothing was found. Usage: contract_check.py BASE_URL [MAX_EXAMPLES]"""
import os
import pathlib
import subprocess
import sys
import tempfile

base = sys.argv[1]
examples = sys.argv[2] if len(sys.argv) > 2 else "25"
here = pathlib.Path(__file__).resolve().parent
environment = dict(os.environ, CONTRACT_BASE_URL=base, SCHEMATHESIS_HOOKS="contract_hooks", PYTHONPATH=str(here))
# One worker: with several, hypothesis compiles strategies on threads and CPython 3.11 can fail in ast.parse
# ("AST constructor recursion depth mismatch"), an error of the tool, not a finding.
checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth"
command = [str(pathlib.Path(sys.executable).parent / "st"), "--no-color", "run", base + "/openapi.json", "--url", base, "--checks", checks,
           "--max-examples", examples, "--workers", "1", "--seed", "20261202", "--generation-database", "none"]
# Run from a scratch directory: schemathesis keeps a cache (.schemathesis/) in its working directory, which must
# not land in the checkout.
with tempfile.TemporaryDirectory() as scratch:
    sys.exit(subprocess.run(command, env=environment, cwd=scratch).returncode)
