#!/usr/bin/env bash
# Runs the "whole journey with curl" block of README.md, verbatim, against a running Tiffin
# with the demo city (default http://localhost:8080; set T to point elsewhere).
#
#   swift run tiffin &           # in another shell
#   scripts/demo-journey.sh
#
# It fails (exit 1) unless the journey ends with the payment captured, so CI can use it to keep
# the README honest. Needs curl and jq.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

block=$(awk '
    /^## The whole journey with curl/ { section = 1; next }
    section && /^```sh$/ && !done { inside = 1; next }
    inside && /^```$/ { inside = 0; done = 1; next }
    inside { print }
' README.md)
[[ -n "$block" ]] || { echo "demo-journey: no journey block found in README.md" >&2; exit 1; }

if [[ -n "${T:-}" ]]; then
    block=${block//T=http:\/\/localhost:8080/T=$T}
fi

output=$(bash -euo pipefail -c "$block" 2>&1) || { echo "$output"; echo "demo-journey: a step failed" >&2; exit 1; }
echo "$output"
grep -q '"status": "captured"' <<<"$output" || { echo "demo-journey: the payment was not captured" >&2; exit 1; }
echo "demo-journey: the README journey ran to a captured payment"
