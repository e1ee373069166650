#!/usr/bin/env bash
# Instructions per item of each side of `benches/kinds.rs`, by callgrind (deterministic: the
# same counts on a loaded machine, up to HashMap's random seeds): for each model, one run converting its 2,000 items once per
# side, the inclusive count of each side's function divided by the items.
#
#   cargo bench --bench kinds --no-run && benches/kinds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(ls -t target/release/deps/kinds-* | grep -v '\.d$' | head -1)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
labels=("string" "integer (u32)" "float (f64)" "bool" "string set (HashSet)" "string set (BTreeSet)"
  "list of strings" "nested struct (map)" "Option<String> present" "Option<String> absent"
  "Timestamp" "shape: 12 mixed attributes")
count() { callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null | awk -v f="kinds::$1 " '
  index($0, f) && !done { gsub(",", "", $1); print $1; done = 1 }'; }
printf '%-28s %18s %18s\n' "instructions per item" "to_item d/h" "from_item d/h"
for label in "${labels[@]}"; do
  KINDS_ONCE=1 PAIRED_ONLY="$label" valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" >/dev/null 2>&1
  dt=$(count derived_to); ht=$(count hand_to); df=$(count derived_from); hf=$(count hand_from)
  printf '%-28s %6d/%-6d %.2f %6d/%-6d %.2f\n' "$label" $((dt / 2000)) $((ht / 2000)) \
    "$(echo "$dt / $ht" | bc -l)" $((df / 2000)) $((hf / 2000)) "$(echo "$df / $hf" | bc -l)"
done
