//! Unit-only enums stored as strings (`#[derive(Attributes)]` on an enum), against DynamoDB Local.

use crate::common;

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::Item;

#[derive(Attributes, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dynamo(rename_all = "snake_case")]
enum Status {
    Open,
    InProgress,
    #[dynamo(rename = "done!")]
    Closed,
}

#[derive(Attributes, Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Priority {
    Low,
    High,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "tickets")]
#[dynamo(gsi(name = "by_status", hash = "status"))]
struct Ticket {
    #[dynamo(hash_key)]
    id: String,
    status: Status,
    priority: Option<Priority>,
    labels: HashSet<Status>,
    history: Vec<Status>,
}

fn ticket(id: &str, status: Status) -> Ticket {
    Ticket {
        id: id.into(),
        status,
        priority: Some(Priority::High),
        labels: HashSet::from([Status::Open, Status::Closed]),
        history: vec![Status::Open, Status::InProgress],
    }
}

#[tokio::test]
async fn enums_are_strings_in_items_keys_sets_and_conditions() {
    let db = common::db("enums").await;
    db.create_table::<Ticket>().send().await.unwrap();
    db.put(&ticket("t1", Status::InProgress))
        .send()
        .await
        .unwrap();
    db.put(&ticket("t2", Status::Closed)).send().await.unwrap();

    let item = ticket("t1", Status::InProgress).to_item().unwrap();
    assert_eq!(item["status"], AttributeValue::S("in_progress".into()));
    assert_eq!(item["priority"], AttributeValue::S("High".into()));
    let AttributeValue::Ss(labels) = &item["labels"] else {
        panic!("{item:?}")
    };
    assert_eq!(
        labels.iter().collect::<HashSet<_>>(),
        HashSet::from([&"open".to_owned(), &"done!".to_owned()])
    );

    assert_eq!(
        db.get(TicketKey::new("t1"))
            .consistent()
            .send()
            .await
            .unwrap(),
        Some(ticket("t1", Status::InProgress))
    );
    let closed = db
        .query::<Ticket>()
        .index(Ticket::BY_STATUS)
        .hash(Status::Closed)
        .all()
        .await
        .unwrap();
    assert_eq!(closed, vec![ticket("t2", Status::Closed)]);
    let open_ones = db
        .scan::<Ticket>()
        .filter(
            Ticket::STATUS
                .in_([Status::Open, Status::InProgress])
                .and(Ticket::LABELS.contains(Status::Closed)),
        )
        .all()
        .await
        .unwrap();
    assert_eq!(open_ones, vec![ticket("t1", Status::InProgress)]);
    let updated = db
        .update(TicketKey::new("t1"))
        .set(Ticket::STATUS, Status::Closed)
        .append(Ticket::HISTORY, vec![Status::Closed])
        .send()
        .await
        .unwrap();
    assert_eq!(updated.history.last(), Some(&Status::Closed));
}

#[test]
fn an_unknown_stored_value_names_the_attribute_and_the_allowed_values() {
    let mut item: Item = ticket("t", Status::Open).to_item().unwrap();
    item.insert("status".into(), AttributeValue::S("archived".into()));
    let err = Ticket::from_item(item).unwrap_err();
    let Error::Attribute {
        path,
        expected,
        found,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(path, "status");
    assert_eq!(expected, r#"one of "open", "in_progress", "done!""#);
    assert_eq!(found, r#"string "archived""#);
}

/// A stored enum reads and writes the names it is stored as in text too: `Display` and
/// `FromStr`, so `?status=in_progress` parses without a second `rename_all` kept in step.
#[test]
fn stored_enums_are_text_by_their_stored_names() {
    assert_eq!(Status::InProgress.to_string(), "in_progress");
    assert_eq!(Status::Closed.to_string(), "done!");
    assert_eq!(
        format!("{:>6}|", Priority::Low),
        "   Low|",
        "padded like a str"
    );
    assert_eq!("in_progress".parse::<Status>(), Ok(Status::InProgress));
    assert_eq!("done!".parse::<Status>(), Ok(Status::Closed));
    let err = "InProgress".parse::<Status>().unwrap_err();
    assert_eq!(
        err,
        dynamo_model::ParseEnumError {
            found: "InProgress".into(),
            expected: "one of \"open\", \"in_progress\", \"done!\"",
        }
    );
    assert_eq!(
        err.to_string(),
        "\"InProgress\" is not one of \"open\", \"in_progress\", \"done!\""
    );
    // Every variant: the text read back is the variant written.
    for status in [Status::Open, Status::InProgress, Status::Closed] {
        assert_eq!(status.to_string().parse::<Status>(), Ok(status));
    }
}

/// An enum with text of its own keeps it: `no_text_impls`.
#[derive(Attributes, Debug, Clone, Copy, PartialEq)]
#[dynamo(rename_all = "SCREAMING_SNAKE_CASE", no_text_impls)]
enum Tier {
    Free,
    PaidPlus,
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tier::Free => "Free tier",
            Tier::PaidPlus => "Paid+",
        })
    }
}

#[test]
fn an_enum_may_keep_its_own_text() {
    assert_eq!(Tier::PaidPlus.to_string(), "Paid+");
    assert_eq!(
        dynamo_model::Attribute::to_attr(&Tier::PaidPlus).unwrap(),
        Some(AttributeValue::S("PAID_PLUS".into()))
    );
}
