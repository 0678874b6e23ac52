#!/usr/bin/env bash
# Set up, then run the smoke suite through the reference generator with every available
# metric and write the HTML report; prints where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT="${1:-runs/smoke}"
set +e
.venv/bin/sora-bench run --suite smoke --generator reference --out "$OUT" --report "$OUT/report.html"
rc=$?
set -e
if [ -f "$OUT/report.html" ]; then echo "report written to: $(cd "$OUT" && pwd)/report.html"; fi
exit $rc
