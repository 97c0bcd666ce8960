#!/bin/sh
# Makes a PKI with the openssl CLI for live tests: root -> intermediate -> leaf, plus a second
# leaf (the same name, renewed under the same intermediate). Usage: make_chain.sh DIR NAME
# Writes DIR/root.pem, inter.pem, leaf.pem, leaf.key, leaf2.pem, leaf2.key, leaf_chain.pem
# (leaf + intermediate), leaf2_chain.pem. EC P-256 keys, valid for a day.
set -eu
dir=$1 name=$2
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "make_chain.sh: failed: $*" >&2; exit 1; }; }
key() { quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

key root.key
quiet openssl req -x509 -new -key root.key -subj "/CN=stwire Test Root CA" -days 2 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-out root.pem
key inter.key
quiet openssl req -new -key inter.key -subj "/CN=stwire Test Intermediate CA" -out inter.csr
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' \
	>inter.ext
quiet openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 \
	-extfile inter.ext -out inter.pem
printf 'subjectAltName=DNS:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' "$name" \
	>leaf.ext
for leaf in leaf leaf2; do
	key $leaf.key
	quiet openssl req -new -key $leaf.key -subj "/CN=$name" -out $leaf.csr
	quiet openssl x509 -req -in $leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial \
		-days 1 -extfile leaf.ext -out $leaf.pem
	cat $leaf.pem inter.pem >${leaf}_chain.pem
done
