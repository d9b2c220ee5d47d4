#!/usr/bin/env bash
# Loads Tiffin's home page in headless Chromium and checks what a person would see: the title,
# the link to the API document, the four demo accounts and the sandbox cards.
#
#   scripts/check-home-page.sh http://localhost:8080/ [screenshot.png]
set -euo pipefail
url=${1:?usage: $0 URL [screenshot.png]}
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "check-home-page: chromium not found (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$profile" --window-size=1000,1100)
dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null)
if [[ -n "${2:-}" ]]; then
    timeout 60 "$browser" "${flags[@]}" --screenshot="$2" "$url" >/dev/null 2>&1
fi
status=0
for expected in "<h1>Tiffin is running</h1>" 'href="/openapi.json"' 'href="/restaurant/#/signin/demo"' 'href="/courier/"' customer@tiffin.demo staff@tiffin.demo courier@tiffin.demo \
    operator@tiffin.demo 4242424242424242; do
    grep -qF "$expected" <<<"$dom" || { echo "check-home-page: the rendered page lacks: $expected" >&2; status=1; }
done
[[ $status -eq 0 ]] && echo "check-home-page: $url renders with its links and demo accounts"
exit "$status"
