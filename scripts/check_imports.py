#!/usr/bin/env python3
"""Every module a target's sources import is declared in Package.swift for that target (nothing reaches a module
through another target's dependencies). Reads `swift package dump-package`; exits 1 naming what is undeclared."""
import glob
import json
import re
import subprocess
import sys

package = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
toolchain = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Testing", "Synchronization", "Dispatch", "Glibc", "Darwin", "XCTest"}
pattern = re.compile(r"^\s*(?:@testable |@_spi\(\w+\) |public |package |internal )*import (?:struct |enum |class |func )?(\w+)")
problems = []
for target in package["targets"]:
    if target["type"] == "system":
        continue
    path = target.get("path") or (("Tests/" if target["type"] == "test" else "Sources/") + target["name"])
    declared = {next(iter(dep.values()))[0] for dep in target["dependencies"]}
    imported = set()
    for source in glob.glob(path + "/**/*.swift", recursive=True):
        with open(source) as handle:
            imported.update(match.group(1) for line in handle if (match := pattern.match(line)))
    missing = imported - declared - toolchain - {target["name"]}
    if missing:
        problems.append(f"{target['name']} imports {', '.join(sorted(missing))} without declaring it")
print("\n".join(problems) if problems else "check_imports: every target declares what it imports")
sys.exit(1 if problems else 0)
