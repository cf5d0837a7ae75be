// Package rdsca embeds Amazon RDS's certificate authorities: the global bundle of every
// commercial region's root CAs (rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 and rds-ca-ecc384-g1 per
// region), which sign the certificates a DB instance presents. They are not in the public (Mozilla)
// roots, so a client that verifies a direct connection to RDS (sslmode verify-full without RDS
// Proxy, whose ACM certificates chain to the public Amazon Root CAs) needs them.
//
// global-bundle.pem is AWS's https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem as
// vendored, unmodified but for line endings (CRLF → LF), by the public repository
// github.com/Alaminplabon/update_aristocar at commit 04ab1cb9b45c388df81e66f7fcc2d3932d2dc77d
// (2025-07-14); no machine here reaches AWS. It holds 102 self-signed roots for 34 regions, each
// chain-consistent, and agrees with an independent copy of 2025-04-09
// (github.com/safvan13058/aizoplug_backend, 96 roots: the same minus the 6 of mx-central-1 and
// ap-southeast-7, added in September 2024). Regions launched after July 2025 are missing: add
// their CA with DB_SSLROOTCERT. TestBundle pins the contents.
package rdsca
