//! A single-item write's identity: how a write whose answer was lost learns whether it was
//! applied, by what identifies it and never by what it wrote (another writer may write the same
//! contents).
//!
//! - The **write token**: a conditional put and every update store 8 random bytes, drawn once
//!   per call, in the attribute [`WRITE_TOKEN`], hidden from the model. Every attempt of one call
//!   sends the same token, so a stored item holding it was written by this call: the write was
//!   applied. Every library write that changes an item in place (an update) or replaces it
//!   whole (a put) replaces or removes the token, so the item holds a call's token only while
//!   no other library write has touched it since.
//! - The **version**: a versioned write expecting version `v` is the one step `v → v + 1`; when
//!   another writer's item holds `v + 1`, that step was theirs, and this write was not applied.
//!   The same holds for a create of a versioned model meeting another writer's version 1.
//! - Everything else is unknown: an item with another writer's token and no version that
//!   decides (this write may have landed and been overwritten), an item gone (this write or
//!   another may have removed it).
//!
//! The verdicts trust one assumption, said in the crate docs: no item is deleted and created
//! again between two attempts of one write (which would restart its versions). Transactions
//! and [`Update::exactly_once`](crate::Update::exactly_once) need none of this: DynamoDB's
//! idempotency token answers a resend with the first attempt's outcome.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::pipeline::write::{is_live, stored_version};
use crate::schema::Schema;
use crate::value::Item;

/// The attribute that holds the token of the last conditional put or update of an item (8
/// random bytes, `B`): the library's proof that a write whose answer was lost was applied.
/// Models never see it; it costs 11 bytes of item size. See the crate docs, "Failures and
/// retries".
pub const WRITE_TOKEN: &str = "_wt";

/// What the token adds to an item's size, as DynamoDB counts it (name and value).
pub(crate) const WRITE_TOKEN_SIZE: usize = WRITE_TOKEN.len() + 8;

/// The token one write call stores: the same for each of its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct WriteToken([u8; 8]);

impl WriteToken {
    /// A token no other call draws.
    pub(crate) fn new() -> Self {
        WriteToken(crate::random::u64().to_le_bytes())
    }

    /// The stored value.
    pub(crate) fn to_attr(&self) -> AttributeValue {
        AttributeValue::B(Blob::new(self.0.to_vec()))
    }

    /// Whether `item` holds this token: this call wrote it.
    fn is_in(&self, item: &Item) -> bool {
        matches!(item.get(WRITE_TOKEN), Some(AttributeValue::B(b)) if b.as_ref() == self.0)
    }
}

/// What a write requires of the stored item, as far as the version or the item's presence go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expects {
    /// Nothing the version decides: an unversioned put or update, with or without a condition.
    Nothing,
    /// No live item (a create).
    Absent,
    /// Stored version `v` (0: no item); the write stores `v + 1`.
    Version(i128),
    /// Stored version `v`; the write deletes the item.
    VersionThenGone(i128),
}

/// What identifies one single-item write.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// The token the write stores, if it stores one.
    pub(crate) token: Option<WriteToken>,
    pub(crate) expects: Expects,
}

impl Identity {
    /// Whether seeing the stored item can prove anything about this write.
    pub(crate) fn provable(&self) -> bool {
        self.token.is_some() || self.expects != Expects::Nothing
    }
}

/// How the stored item was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Returned with a retry's failed condition: the item that refused this very write.
    Refusal,
    /// Read after the attempts: an attempt still on its way may yet be applied.
    Read,
}

/// What is proved about a write whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// This call's write was applied.
    Applied,
    /// It was not, and never will be: another writer's write took the step it needed.
    NotApplied,
    /// Either may be true.
    Unknown {
        /// What was seen, for the error: "another writer has written the item since …".
        found: String,
        /// The live item's version, when the model has one.
        version: Option<i128>,
    },
}

/// The verdict on a write whose answer was lost, from the item stored under its key (`None`: no
/// item), seen as `seen` says.
pub(crate) fn verdict(
    schema: &Schema,
    identity: &Identity,
    stored: Option<&Item>,
    seen: Seen,
) -> Verdict {
    if let (Some(token), Some(item)) = (&identity.token, stored) {
        if token.is_in(item) {
            return Verdict::Applied;
        }
    }
    let live = stored.filter(|item| is_live(schema, item));
    let version = schema
        .version
        .and_then(|name| live.and_then(|item| stored_version(item.get(name))));
    let proved = match (identity.expects, version) {
        // Another writer took the step `v → v + 1` this write needed.
        (Expects::Version(v), Some(found)) if found == v.saturating_add(1) => true,
        // The version allowed the write, so its other condition refused it.
        (Expects::Version(v), Some(found)) if found == v => seen == Seen::Refusal,
        // Another writer created the item this create would have.
        (Expects::Absent, Some(1)) => true,
        // The item is past the version this delete expected: another writer advanced it.
        (Expects::VersionThenGone(v), Some(found)) if found > v => true,
        (Expects::VersionThenGone(v), Some(found)) if found == v => seen == Seen::Refusal,
        _ => false,
    };
    if proved {
        return Verdict::NotApplied;
    }
    let found = match (live, version, identity.expects) {
        (None, _, _) => "the item is not there now: this write or another writer's may have removed it".to_owned(),
        (Some(_), Some(found), Expects::Version(v) | Expects::VersionThenGone(v))
            if found == v && seen == Seen::Read =>
        {
            format!("the item still holds version {found}, and the write may still be on its way")
        }
        (Some(_), Some(found), _) => format!(
            "since then another writer has written the item (version {found}), which shows no trace of this write"
        ),
        (Some(_), None, _) => {
            "since then another writer has written the item, which shows no trace of this write"
                .to_owned()
        }
    };
    Verdict::Unknown { found, version }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::KeyDef;

    const fn schema(version: Option<&'static str>) -> Schema {
        Schema {
            table: "t",
            hash_key: KeyDef {
                name: "id",
                scalar: crate::ScalarType::String,
            },
            range_key: None,
            indexes: &[],
            attributes: &["id", "v"],
            version,
            ttl: None,
            created_at: None,
            updated_at: None,
            constants: &[],
            templates: &[],
        }
    }

    fn item(version: Option<i128>, token: Option<&WriteToken>) -> Item {
        let mut item = Item::new();
        item.insert("id".into(), AttributeValue::S("a".into()));
        if let Some(v) = version {
            item.insert("v".into(), AttributeValue::N(v.to_string()));
        }
        if let Some(token) = token {
            item.insert(WRITE_TOKEN.into(), token.to_attr());
        }
        item
    }

    /// Every write kind against every stored item a retry can meet: one row per write, one
    /// column per stored state. A: applied, N: not applied, ?: unknown.
    #[test]
    fn verdicts_by_identity() {
        let versioned = schema(Some("v"));
        let unversioned = schema(None);
        let mine = WriteToken::new();
        let theirs = WriteToken::new();
        // The stored item: gone, mine, another's at the expected version, at the next, further
        // on, behind.
        let states = |expected: i128, versioned: bool| -> Vec<Option<Item>> {
            let v = |n: i128| versioned.then_some(n);
            vec![
                None,
                Some(item(v(expected + 1), Some(&mine))),
                Some(item(v(expected), Some(&theirs))),
                Some(item(v(expected + 1), Some(&theirs))),
                Some(item(v(expected + 3), Some(&theirs))),
                Some(item(v((expected - 1).max(1)), None)),
            ]
        };
        let rows: [(&str, &Schema, Identity, i128, [&str; 2]); 7] = [
            (
                "versioned put/update",
                &versioned,
                Identity {
                    token: Some(mine.clone()),
                    expects: Expects::Version(5),
                },
                5,
                ["?ANN??", "?A?N??"],
            ),
            (
                "versioned create",
                &versioned,
                Identity {
                    token: Some(mine.clone()),
                    expects: Expects::Absent,
                },
                0,
                ["?A?N?N", "?A?N?N"],
            ),
            (
                "unversioned create",
                &unversioned,
                Identity {
                    token: Some(mine.clone()),
                    expects: Expects::Absent,
                },
                0,
                ["?A????", "?A????"],
            ),
            (
                "unversioned conditional put / update",
                &unversioned,
                Identity {
                    token: Some(mine.clone()),
                    expects: Expects::Nothing,
                },
                5,
                ["?A????", "?A????"],
            ),
            (
                "versioned delete",
                &versioned,
                Identity {
                    token: None,
                    expects: Expects::VersionThenGone(5),
                },
                5,
                ["?NNNN?", "?N?NN?"],
            ),
            (
                "unversioned delete",
                &unversioned,
                Identity {
                    token: None,
                    expects: Expects::Nothing,
                },
                5,
                ["??????", "??????"],
            ),
            (
                "a write without token (unconditional put)",
                &unversioned,
                Identity {
                    token: None,
                    expects: Expects::Nothing,
                },
                5,
                ["??????", "??????"],
            ),
        ];
        for (name, schema, identity, expected, [refusal, read]) in rows {
            for (seen, want) in [(Seen::Refusal, refusal), (Seen::Read, read)] {
                let got: String = states(expected, schema.version.is_some())
                    .iter()
                    .map(
                        |stored| match verdict(schema, &identity, stored.as_ref(), seen) {
                            Verdict::Applied => 'A',
                            Verdict::NotApplied => 'N',
                            Verdict::Unknown { .. } => '?',
                        },
                    )
                    .collect();
                assert_eq!(got, want, "{name}, {seen:?}");
            }
        }
    }

    #[test]
    fn tokens_differ() {
        let tokens: std::collections::HashSet<_> = (0..1000).map(|_| WriteToken::new()).collect();
        assert_eq!(tokens.len(), 1000);
    }
}
