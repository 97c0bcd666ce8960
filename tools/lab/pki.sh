#!/usr/bin/env bash
# Makes the lab PKI with the openssl CLI: per side (sbc, carrier) a root CA, an
# intermediate CA and a leaf, plus a renewed leaf (new key, same intermediate), an
# expired leaf, and one unrelated root. Usage: pki.sh DIR
set -euo pipefail

dir=${1:?usage: pki.sh DIR}
mkdir -p "$dir"
cd "$dir"

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat >ext.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# root NAME CN: self-signed root CA NAME.pem / NAME.key
root() {
	newkey "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/O=siptrail lab/CN=$2" -days 30 \
		-config ext.cnf -extensions ca -out "$1.pem" 2>/dev/null
}

# sign NAME CN ISSUER EXT [openssl-ca date args]: NAME.pem signed by ISSUER.pem/.key
sign() {
	local name=$1 cn=$2 issuer=$3 ext=$4
	shift 4
	[ -f "$name.key" ] || newkey "$name.key"
	openssl req -new -key "$name.key" -subj "/O=siptrail lab/CN=$cn" -config ext.cnf -out "$name.csr" 2>/dev/null
	if [ $# -eq 0 ]; then
		openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
			-set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile ext.cnf \
			-extensions "$ext" -out "$name.pem" 2>/dev/null
		return
	fi
	# openssl x509 cannot backdate; openssl ca can (-startdate/-enddate).
	mkdir -p ca-db
	: >ca-db/index.txt
	cat >ca-db/ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
CNF
	openssl rand -hex 8 >ca-db/serial
	openssl ca -batch -config ca-db/ca.cnf -cert "$issuer.pem" -keyfile "$issuer.key" \
		-in "$name.csr" -extfile ext.cnf -extensions "$ext" -notext "$@" \
		-out "$name.pem" 2>/dev/null
}

for side in sbc carrier; do
	title=${side^^}
	[ "$side" = carrier ] && title=Carrier
	root "$side-root" "Lab $title Root CA"
	sign "$side-int" "Lab $title Intermediate CA" "$side-root" ca
	sign "$side-leaf" "$side.lab.test" "$side-int" leaf
	sign "$side-leaf-renewed" "$side.lab.test" "$side-int" leaf
	sign "$side-leaf-expired" "$side.lab.test" "$side-int" leaf \
		-startdate 20240101000000Z -enddate 20240201000000Z
	for leaf in leaf leaf-renewed leaf-expired; do
		cp "$side-$leaf.pem" "$side-$leaf.chain-leaf-only.pem"
		cat "$side-$leaf.pem" "$side-int.pem" >"$side-$leaf.chain-full.pem"
	done
done
root unrelated-root "Lab Unrelated Root CA"
rm -rf ./*.csr ca-db
