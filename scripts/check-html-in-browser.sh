#!/usr/bin/env bash
# Opens an HTML report in headless Chromium: it must load, render its title and every failure
# row, and log no console errors; a screenshot is saved beside it. Exit 77 (ctest: skipped) with
# a clear message when Chromium is not installed (`apt-get install chromium`).
#   scripts/check-html-in-browser.sh REPORT.html [SCREENSHOT.png]
set -euo pipefail
html=${1:?usage: $0 REPORT.html [SCREENSHOT.png]}
shot=${2:-${html%.html}.png}
[[ -f $html ]] || { echo "check-html: $html does not exist" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "check-html: SKIPPED: chromium is not installed, so the report was not opened in a browser"
  exit 77
fi
url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
flags=(--headless --disable-gpu --no-sandbox --no-first-run --hide-scrollbars)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dom=$("$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" 2>"$log")
"$browser" "${flags[@]}" --window-size=1400,2400 --screenshot="$shot" "$url" >/dev/null 2>&1
grep -q "<h1>mxconf conformance report</h1>" <<<"$dom" || { echo "check-html: the page did not render its title" >&2; exit 1; }
rows() { { grep -o 'id="f-[^"]*"' || true; } | sort -u | wc -l; }  # no match is 0, not an error
want=$(rows <"$html")
got=$(rows <<<"$dom")
[[ $want == "$got" ]] || { echo "check-html: $got of $want failure rows rendered" >&2; exit 1; }
if grep -E 'CONSOLE|Uncaught|SyntaxError' "$log" >&2; then
  echo "check-html: console errors while loading $html" >&2
  exit 1
fi
[[ -s $shot ]] || { echo "check-html: no screenshot was written" >&2; exit 1; }
echo "check-html: $html renders in $(basename "$browser") with $got failure row(s); screenshot $shot"
