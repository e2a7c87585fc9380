#!/bin/sh
# TLS client certificates for the cluster tests, in a folder that tests/support/make-test-ca.sh
# filled: DIR/client.pem and DIR/client.key signed by its test CA (ca.pem), and
# DIR/stranger.pem and DIR/stranger.key signed by the CA nobody trusts (other-ca.pem).
set -eu
dir=$1
cd "$dir"
printf 'extendedKeyUsage=clientAuth\n' > client-ext.cnf
for pair in client:ca stranger:other-ca; do
  name=${pair%%:*}
  ca=${pair#*:}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "/CN=leakwatch $name" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
    -out "$name.pem" -days 2 -extfile client-ext.cnf 2>/dev/null
  chmod 600 "$name.key"
done
