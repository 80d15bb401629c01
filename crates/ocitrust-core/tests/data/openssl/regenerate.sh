#!/usr/bin/env bash
# Regenerates the openssl-made keys and signatures over msg.txt that the crypto tests verify:
# P-384 (ECDSA SHA-256, as cosign signs with any curve, and SHA-384), P-521 (SHA-256, as cosign signs, and SHA-512), Ed25519, RSA-2048 PKCS#1 v1.5
# and PSS (SHA-256), plus SEC1 and PKCS#1 PEM private keys for the key loaders.
set -euo pipefail
cd "$(dirname "$0")"
printf 'ocitrust test message\n' > msg.txt
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key
openssl pkey -in p384.key -pubout -out p384.pub
openssl pkeyutl -sign -inkey p384.key -rawin -in msg.txt -digest sha256 -out p384-sha256.sig
openssl pkeyutl -sign -inkey p384.key -rawin -in msg.txt -digest sha384 -out p384-sha384.sig
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.key
openssl pkey -in p521.key -pubout -out p521.pub
openssl pkeyutl -sign -inkey p521.key -rawin -in msg.txt -digest sha256 -out p521-sha256.sig
openssl pkeyutl -sign -inkey p521.key -rawin -in msg.txt -digest sha512 -out p521-sha512.sig
openssl genpkey -algorithm ED25519 -out ed25519.key
openssl pkey -in ed25519.key -pubout -out ed25519.pub
openssl pkeyutl -sign -inkey ed25519.key -rawin -in msg.txt -out ed25519.sig
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key
openssl pkey -in rsa2048.key -pubout -out rsa2048.pub
openssl pkeyutl -sign -inkey rsa2048.key -rawin -in msg.txt -digest sha256 -out rsa2048-pkcs1-sha256.sig
openssl pkeyutl -sign -inkey rsa2048.key -rawin -in msg.txt -digest sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest -out rsa2048-pss-sha256.sig
openssl rsa -in rsa2048.key -traditional -out rsa2048-pkcs1.key 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out p256-sec1.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key
openssl pkey -in rsa1024.key -pubout -out rsa1024.pub
rm rsa1024.key
