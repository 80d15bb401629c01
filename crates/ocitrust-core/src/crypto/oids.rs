//! Object identifiers of the key algorithms ocitrust reads and writes.

use der::asn1::ObjectIdentifier as Oid;

pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
pub const CURVE_P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
pub const CURVE_P384: Oid = Oid::new_unwrap("1.3.132.0.34");
pub const CURVE_P521: Oid = Oid::new_unwrap("1.3.132.0.35");
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
