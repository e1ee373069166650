//! `Cursor`: an opaque, URL-safe position in a query or scan that a client can hand back.
//!
//! It carries DynamoDB's start key (one per scan segment) and a fingerprint of the table and
//! index it belongs to; it is checked in full before anything is sent: a corrupted, tampered or
//! foreign cursor is [`Error::InvalidCursor`].
//!
//! Without a key, that check is against accidents, not attackers: the cursor is base64 of the
//! start key with a checksum anyone can recompute, so whoever holds it can read the key values
//! in it (the key of the last item a page returned, or that a filter hid) and can forge one.
//! With a key ([`Db::cursor_key`](crate::Db::cursor_key)), cursors are sealed with
//! XChaCha20-Poly1305: they reveal nothing, and a cursor not sealed with that key (forged,
//! edited, or made by a `Db` without the key) is refused.

use std::fmt;
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{Error, Result};
use crate::value::Item;

const VERSION: u8 = 1;
/// A sealed cursor: a nonce, then the plain form encrypted and authenticated.
const SEALED: u8 = 2;
const NONCE: usize = 24;
const TAG: usize = 16;

/// The secret cursors are sealed with: see [`Db::cursor_key`](crate::Db::cursor_key).
#[derive(Clone)]
pub struct CursorKey {
    cipher: chacha20poly1305::XChaCha20Poly1305,
}

impl CursorKey {
    /// A key from a secret of at least 32 bytes (random bytes, or a long random string from
    /// your secret store). The same secret on every instance of a service makes their cursors
    /// interchangeable; a new secret makes every cursor handed out before it invalid.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<CursorKey> {
        use chacha20poly1305::aead::KeyInit;
        use sha2::Digest;
        let secret = secret.as_ref();
        if secret.len() < 32 {
            return Err(Error::InvalidRequest {
                message: format!(
                    "a cursor key needs a secret of at least 32 bytes, not {}",
                    secret.len()
                ),
            });
        }
        let key = sha2::Sha256::new()
            .chain_update(b"dynamo-model cursor key v1\0")
            .chain_update(secret)
            .finalize();
        let cipher = chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key).map_err(|_| {
            Error::InvalidRequest {
                message: "a cursor key is 32 bytes".into(),
            }
        })?;
        Ok(CursorKey { cipher })
    }

    fn seal(&self, plain: &[u8]) -> Vec<u8> {
        use chacha20poly1305::aead::{Aead, Generate, Payload};
        let nonce = chacha20poly1305::XNonce::generate();
        let sealed = self.cipher.encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: &[SEALED],
            },
        );
        let mut out = Vec::with_capacity(1 + NONCE + plain.len() + TAG);
        out.push(SEALED);
        out.extend_from_slice(nonce.as_slice());
        // Encryption fails only past gigabytes of plaintext; a cursor is a few hundred bytes.
        out.extend_from_slice(&sealed.unwrap_or_default());
        out
    }

    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        use chacha20poly1305::aead::{Aead, Payload};
        if sealed.len() < 1 + NONCE + TAG {
            return Err(invalid("it is malformed"));
        }
        let nonce = chacha20poly1305::XNonce::try_from(&sealed[1..1 + NONCE])
            .map_err(|_| invalid("it is malformed"))?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[1 + NONCE..],
                    aad: &[SEALED],
                },
            )
            .map_err(|_| invalid("it was not sealed with this service's key, or was altered"))
    }
}

impl fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// A position in a query or scan: pass it to `.start_after(cursor)` to go on from there.
///
/// Opaque and URL-safe: `Display` gives the string to hand to a web client, `FromStr` (or serde)
/// reads it back. Only a cursor of the same table and index (and, for a query, the same hash
/// key) is accepted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    text: String,
}

/// Where one scan segment (or a query) stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Position {
    /// Not started: no start key.
    Start,
    /// Go on after this key.
    After(Item),
    /// Finished.
    Done,
}

impl Position {
    /// The position a request's start key stands for.
    pub(crate) fn from_start(start: Option<Item>) -> Position {
        start.map_or(Position::Start, Position::After)
    }
}

impl Cursor {
    pub(crate) fn encode(context: &str, positions: &[Position], key: Option<&CursorKey>) -> Cursor {
        let mut bytes = vec![VERSION];
        bytes.extend_from_slice(&fnv(context.as_bytes()).to_be_bytes());
        bytes.extend_from_slice(&(positions.len() as u32).to_be_bytes());
        for position in positions {
            match position {
                Position::Start => bytes.push(0),
                Position::Done => bytes.push(2),
                Position::After(key) => {
                    bytes.push(1);
                    let mut attributes: Vec<(&String, &AttributeValue)> = key.iter().collect();
                    attributes.sort_by(|a, b| a.0.cmp(b.0));
                    bytes.push(attributes.len() as u8);
                    for (name, value) in attributes {
                        put_bytes(&mut bytes, name.as_bytes());
                        let (tag, data): (u8, &[u8]) = match value {
                            AttributeValue::S(s) => (b'S', s.as_bytes()),
                            AttributeValue::N(n) => (b'N', n.as_bytes()),
                            AttributeValue::B(b) => (b'B', b.as_ref()),
                            // Keys are scalar; anything else cannot be a start key.
                            _ => (b'?', &[]),
                        };
                        bytes.push(tag);
                        put_bytes(&mut bytes, data);
                    }
                }
            }
        }
        bytes.extend_from_slice(&fnv(&bytes).to_be_bytes());
        let bytes = match key {
            Some(key) => key.seal(&bytes),
            None => bytes,
        };
        Cursor {
            text: URL_SAFE_NO_PAD.encode(bytes),
        }
    }

    /// The positions, after checking the cursor belongs to `context` and has `segments`
    /// positions whose keys are exactly `key_names`.
    pub(crate) fn decode(
        &self,
        context: &str,
        segments: usize,
        key_names: &[&str],
        key: Option<&CursorKey>,
    ) -> Result<Vec<Position>> {
        let bytes = self.checked_bytes()?;
        let bytes = match (key, bytes[0]) {
            (Some(key), SEALED) => check_plain(key.open(&bytes)?)?,
            (Some(_), _) => {
                return Err(invalid(
                    "it is not sealed, and this service seals its cursors (`Db::cursor_key`)",
                ))
            }
            (None, SEALED) => {
                return Err(invalid(
                    "it is sealed, and this `Db` has no cursor key to open it",
                ))
            }
            (None, _) => bytes,
        };
        let mut reader = Reader {
            bytes: &bytes[1..bytes.len() - 8],
        };
        if reader.u64()? != fnv(context.as_bytes()) {
            return Err(invalid(
                "it belongs to another table, index or kind of request",
            ));
        }
        let count = reader.u32()? as usize;
        if count != segments {
            return Err(invalid(&format!(
                "it holds {count} segment positions, and this request has {segments}"
            )));
        }
        let mut positions = Vec::with_capacity(count);
        for _ in 0..count {
            positions.push(match reader.u8()? {
                0 => Position::Start,
                2 => Position::Done,
                1 => {
                    let attributes = reader.u8()? as usize;
                    let mut key = Item::with_capacity(attributes);
                    for _ in 0..attributes {
                        let name = String::from_utf8(reader.bytes()?.to_vec())
                            .map_err(|_| invalid("an attribute name is not UTF-8"))?;
                        let tag = reader.u8()?;
                        let data = reader.bytes()?;
                        let text = || {
                            String::from_utf8(data.to_vec())
                                .map_err(|_| invalid("a key value is not UTF-8"))
                        };
                        let value = match tag {
                            b'S' => AttributeValue::S(text()?),
                            b'N' => AttributeValue::N(text()?),
                            b'B' => AttributeValue::B(Blob::new(data)),
                            _ => return Err(invalid("a key value has an unknown type")),
                        };
                        key.insert(name, value);
                    }
                    let mut names: Vec<&str> = key.keys().map(String::as_str).collect();
                    names.sort_unstable();
                    let mut expected = key_names.to_vec();
                    expected.sort_unstable();
                    expected.dedup();
                    if names != expected {
                        return Err(invalid(
                            "its key attributes are not this table's or index's",
                        ));
                    }
                    Position::After(key)
                }
                _ => return Err(invalid("it is malformed")),
            });
        }
        if !reader.bytes.is_empty() {
            return Err(invalid("it is malformed"));
        }
        Ok(positions)
    }

    /// The decoded bytes: a sealed cursor as it is (opened by `decode`, which has the key), a
    /// plain one with version and checksum verified.
    fn checked_bytes(&self) -> Result<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD
            .decode(&self.text)
            .map_err(|_| invalid("it is not URL-safe base64"))?;
        match bytes.first() {
            Some(&SEALED) if bytes.len() >= 1 + NONCE + TAG => Ok(bytes),
            _ => check_plain(bytes),
        }
    }
}

/// A plain cursor's bytes, with version and checksum verified.
fn check_plain(bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.len() < 1 + 8 + 4 + 8 || bytes[0] != VERSION {
        return Err(invalid("it is malformed"));
    }
    let (body, checksum) = bytes.split_at(bytes.len() - 8);
    if fnv(body).to_be_bytes() != checksum {
        return Err(invalid("it was altered"));
    }
    Ok(bytes)
}

fn invalid(reason: &str) -> Error {
    Error::InvalidCursor {
        message: format!("invalid cursor: {reason}"),
    }
}

fn put_bytes(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(invalid("it is truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let bytes = self.take(8)?;
        let mut array = [0; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_be_bytes(array))
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }
}

/// FNV-1a: a checksum against corruption and casual edits, not a signature.
fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({})", self.text)
    }
}

impl FromStr for Cursor {
    type Err = Error;

    /// Reads a cursor from its string, checking its form and checksum (a sealed cursor: its
    /// form); whether it fits the request, and its seal, are checked when the request is built.
    fn from_str(text: &str) -> Result<Cursor> {
        let cursor = Cursor {
            text: text.to_owned(),
        };
        cursor.checked_bytes()?;
        Ok(cursor)
    }
}

impl serde::Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cursor, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One page of a query or scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in key order (reversed for a descending query).
    pub items: Vec<T>,
    /// Where the next page starts; `None` when there is nothing more.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Item {
        Item::from([
            ("pk".to_owned(), AttributeValue::S("user#1".into())),
            ("sk".to_owned(), AttributeValue::N("42".into())),
        ])
    }

    #[test]
    fn round_trips_through_its_string() {
        let positions = vec![Position::After(key()), Position::Done, Position::Start];
        let cursor = Cursor::encode("t/i", &positions, None);
        let text = cursor.to_string();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let back: Cursor = text.parse().unwrap();
        assert_eq!(
            back.decode("t/i", 3, &["pk", "sk"], None).unwrap(),
            positions
        );
    }

    #[test]
    fn serde_writes_the_string_and_checks_it_on_read() {
        let cursor = Cursor::encode("t/i", &[Position::After(key())], None);
        let value: AttributeValue = serde_dynamo::to_attribute_value(&cursor).unwrap();
        assert_eq!(value, AttributeValue::S(cursor.to_string()));
        let back: Cursor = serde_dynamo::from_attribute_value(value).unwrap();
        assert_eq!(back, cursor);
        let forged = AttributeValue::S("bm90IGEgY3Vyc29y".into());
        assert!(serde_dynamo::from_attribute_value::<_, Cursor>(forged).is_err());
    }

    #[test]
    fn tampered_and_foreign_cursors_are_refused() {
        let cursor = Cursor::encode("t/i", &[Position::After(key())], None);
        let text = cursor.to_string();
        let mut tampered = text.clone().into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(matches!(
            tampered.parse::<Cursor>(),
            Err(Error::InvalidCursor { .. })
        ));
        assert!(matches!(
            "%%%".parse::<Cursor>(),
            Err(Error::InvalidCursor { .. })
        ));
        assert!(matches!(
            "".parse::<Cursor>(),
            Err(Error::InvalidCursor { .. })
        ));
        assert!(matches!(
            cursor.decode("other/i", 1, &["pk", "sk"], None),
            Err(Error::InvalidCursor { .. })
        ));
        assert!(matches!(
            cursor.decode("t/i", 2, &["pk", "sk"], None),
            Err(Error::InvalidCursor { .. })
        ));
        assert!(matches!(
            cursor.decode("t/i", 1, &["pk", "sk", "gsi_pk"], None),
            Err(Error::InvalidCursor { .. })
        ));
    }

    #[test]
    fn sealed_cursors_reveal_nothing_and_refuse_what_they_did_not_seal() {
        let key = CursorKey::new([7u8; 32]).unwrap();
        let positions = vec![Position::After(key_with("secret-user-id"))];
        let sealed = Cursor::encode("t/i", &positions, Some(&key));
        assert_eq!(
            sealed.decode("t/i", 1, &["pk", "sk"], Some(&key)).unwrap(),
            positions
        );
        // Nothing of the key values shows, in the text or in its bytes.
        let bytes = URL_SAFE_NO_PAD.decode(sealed.to_string()).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"secret"));
        assert!(!sealed.to_string().contains("secret"));
        // Two seals of one position differ (a fresh nonce each).
        assert_ne!(sealed, Cursor::encode("t/i", &positions, Some(&key)));
        // A forged plain cursor, another key's, an edited one: refused.
        let plain = Cursor::encode("t/i", &positions, None);
        let refused = |cursor: &Cursor, key: Option<&CursorKey>| {
            matches!(
                cursor.decode("t/i", 1, &["pk", "sk"], key),
                Err(Error::InvalidCursor { .. })
            )
        };
        assert!(refused(&plain, Some(&key)));
        assert!(refused(&sealed, Some(&CursorKey::new([8u8; 32]).unwrap())));
        assert!(refused(&sealed, None));
        let mut edited = bytes.clone();
        let last = edited.len() - 1;
        edited[last] ^= 1;
        let edited: Cursor = URL_SAFE_NO_PAD.encode(edited).parse().unwrap();
        assert!(refused(&edited, Some(&key)));
        assert!(matches!(
            CursorKey::new("too short"),
            Err(Error::InvalidRequest { .. })
        ));
    }

    fn key_with(pk: &str) -> Item {
        Item::from([
            ("pk".to_owned(), AttributeValue::S(pk.into())),
            ("sk".to_owned(), AttributeValue::N("42".into())),
        ])
    }
}
