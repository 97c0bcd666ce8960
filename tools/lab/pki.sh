#!/usr/bin/env bash
# Makes the lab PKI with the tests' PKI maker, build/tools/pki (tools/pki.c; SIPTRAIL_PKI
# overrides): per side (sbc, carrier) a root CA, an intermediate CA and a leaf, plus a renewed
# leaf (new key, same intermediate), an expired leaf, and one unrelated root. Each leaf also
# as LEAF.chain-full.pem (leaf + intermediate) and LEAF.chain-leaf-only.pem. Usage: pki.sh DIR
set -euo pipefail

dir=${1:?usage: pki.sh DIR}
root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
maker=${SIPTRAIL_PKI:-$root_dir/build/tools/pki}
[ -x "$maker" ] || { echo "pki.sh: no $maker (make)" >&2; exit 1; }
mkdir -p "$dir"

# pki NAME [tools/pki options]: DIR/NAME.pem and DIR/NAME.key
pki() { "$maker" --org "siptrail lab" "$dir" "$@"; }

for side in sbc carrier; do
	title=${side^^}
	[ "$side" = carrier ] && title=Carrier
	pki "$side-root" --ca --cn "Lab $title Root CA"
	pki "$side-int" --ca --cn "Lab $title Intermediate CA" --issuer "$side-root"
	pki "$side-leaf" --cn "$side.lab.test" --issuer "$side-int"
	pki "$side-leaf-renewed" --cn "$side.lab.test" --issuer "$side-int"
	pki "$side-leaf-expired" --cn "$side.lab.test" --issuer "$side-int" \
		--not-before 2024-01-01 --not-after 2024-02-01
	for leaf in leaf leaf-renewed leaf-expired; do
		cp "$dir/$side-$leaf.pem" "$dir/$side-$leaf.chain-leaf-only.pem"
		cat "$dir/$side-$leaf.pem" "$dir/$side-int.pem" >"$dir/$side-$leaf.chain-full.pem"
	done
done
pki unrelated-root --ca --cn "Lab Unrelated Root CA"
