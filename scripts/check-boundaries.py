#!/usr/bin/env python3
"""Fails when the module boundaries of docs/architecture.md are broken (CI runs it).

1. No domain target depends on another domain target, and no shared module (Core, Events,
   Storage, TiffinHTTP, Outbound, Live) depends on a domain: a domain that needs another's data
   declares a port, and TiffinApp wires it.
2. Every module a source file imports is one its target declares in Package.swift (a target or a
   product of a package dependency), or a module of the toolchain. Imports that only work because
   some other dependency happens to bring the module in (even one it re-exports) are what let
   domains drift together.
3. Every Swift target enables ExistentialAny, MemberImportVisibility and InternalImportsByDefault.

Reads the package as `swift package dump-package` prints it (or the JSON file given as argument).
"""
import json
import pathlib
import re
import subprocess
import sys

DOMAINS = {"Accounts", "Catalog", "Ordering", "Payments", "Dispatching", "Notifications"}
SHARED = {"Core", "Events", "Storage", "TiffinHTTP", "Outbound", "Live", "WebApps", "Operations"}
# Modules of the toolchain and the system, importable by any target.
SYSTEM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin", "Synchronization",
          "Testing", "XCTest", "PackagePlugin", "_Concurrency", "os"}
# A product whose module names differ from the product's name.
PRODUCT_MODULES = {
    "HummingbirdTesting": {"HummingbirdTesting"},
}
# Swift features every Swift target turns on (Package.swift's `swiftSettings`): with them the
# compiler itself refuses a member whose module the file does not import, and an import is
# internal unless written `public import`, so a dependency never leaks through a module's API.
REQUIRED_FEATURES = {"ExistentialAny", "MemberImportVisibility", "InternalImportsByDefault"}


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    if len(sys.argv) > 1:
        package = json.loads(pathlib.Path(sys.argv[1]).read_text())
    else:
        package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, check=True, capture_output=True, text=True).stdout)
    problems = []
    for target in package["targets"]:
        name = target["name"]
        declared = set()
        for dependency in target["dependencies"]:
            if "byName" in dependency:
                declared.add(dependency["byName"][0])
            elif "target" in dependency:
                declared.add(dependency["target"][0])
            elif "product" in dependency:
                product = dependency["product"][0]
                declared |= PRODUCT_MODULES.get(product, {product})
        features = {setting["kind"]["enableUpcomingFeature"]["_0"] for setting in target.get("settings", []) if "enableUpcomingFeature" in setting["kind"]}
        if target["type"] in ("regular", "executable", "test") and REQUIRED_FEATURES - features:
            problems.append(f"{name}: does not enable {', '.join(sorted(REQUIRED_FEATURES - features))} (use the package's swiftSettings)")
        internal = {d for d in declared if d in DOMAINS}
        if name in DOMAINS and internal:
            problems.append(f"{name}: a domain depends on another domain ({', '.join(sorted(internal))}): declare a port instead")
        if name in SHARED and internal:
            problems.append(f"{name}: a shared module depends on a domain ({', '.join(sorted(internal))})")
        kind = target["type"]
        default = "Tests" if kind == "test" else ("Plugins" if kind == "plugin" else "Sources")
        path = root / (target.get("path") or f"{default}/{name}")
        if kind == "system" or not path.is_dir():
            continue
        for source in sorted(path.rglob("*.swift")):
            for line in source.read_text(encoding="utf-8").splitlines():
                # Imports come first: stop at the first declaration (so code in string literals,
                # such as a Python script a test runs, is not read as Swift).
                stripped = line.strip()
                if stripped and not stripped.startswith(("//", "import ", "@", "#if", "#else", "#elseif", "#endif", "public import", "package import", "internal import")):
                    break
                match = re.match(r"^\s*(?:@testable\s+|@_exported\s+|public\s+|package\s+|internal\s+|@preconcurrency\s+)*import\s+(?:struct\s+|class\s+|enum\s+|protocol\s+|func\s+)?([A-Za-z_][A-Za-z0-9_]*)", line)
                if not match:
                    continue
                module = match.group(1)
                if module in SYSTEM or module == name or module in declared:
                    continue
                problems.append(f"{source.relative_to(root)}: imports {module}, which {name} does not declare in Package.swift")
    for problem in problems:
        print(problem)
    print(f"check-boundaries: {len(problems)} problem(s) in {len(package['targets'])} targets")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
