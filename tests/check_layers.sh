#!/usr/bin/env bash
# tests/check_layers.sh: userspace/ is one folder per layer, in the order data flows
# (docs/architecture.md); a layer may include only its own headers and those of layers below
# it. Checks every #include "NAME.h" of every userspace file against where NAME.h lives.
# Headers outside userspace/ (decoders/, bpf/, skeletons, libraries) are not layered here.
# Prints cmocka-like lines, so tests/run.sh counts it.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

layers=(model engine diagnose journal sources views cli)
declare -A rank layer_of
for i in "${!layers[@]}"; do
	rank[${layers[$i]}]=$i
done
for dir in userspace/*/; do
	dir=${dir%/}
	[ -n "${rank[${dir#userspace/}]:-}" ] && continue
	echo "[  FAILED  ] layers: $dir is not a known layer (add it to tests/check_layers.sh and docs/architecture.md)"
	echo "[  FAILED  ] 1 test(s), listed above."
	exit 1
done
for header in userspace/*/*.h; do
	name=$(basename "$header")
	layer=${header#userspace/}
	layer_of[$name]=${layer%%/*}
done

violations=0
echo "[ RUN      ] layers"
for file in userspace/*/*.[ch]; do
	layer=${file#userspace/}
	layer=${layer%%/*}
	while read -r included; do
		target=${layer_of[$included]:-}
		[ -z "$target" ] && continue
		if [ "${rank[$target]}" -gt "${rank[$layer]}" ]; then
			echo "$file ($layer) includes $included ($target): a layer calls only layers below it"
			violations=$((violations + 1))
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done
if [ "$violations" -gt 0 ]; then
	echo "[  FAILED  ] layers ($violations includes against the data flow)"
	echo "[  FAILED  ] 1 test(s), listed above."
	exit 1
fi
echo "[       OK ] layers (${#layer_of[@]} headers in ${#layers[@]} layers)"
echo "[  PASSED  ] 1 test(s)."
