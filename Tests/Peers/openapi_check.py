"""Validates an OpenAPI document read from standard input with openapi-spec-validator (3.0 and 3.1 rules).

Prints "valid", or the validator's first error and exits 1.
"""
import json
import sys

from openapi_spec_validator import validate

try:
    validate(json.load(sys.stdin))
except Exception as error:  # the validator's errors carry the failing path and reason
    print(f"invalid: {error}")
    sys.exit(1)
print("valid")
