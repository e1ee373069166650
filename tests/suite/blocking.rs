//! The blocking facade (feature `blocking`): the quickstart's steps from plain synchronous
//! code, and a clear refusal inside an async runtime.

use dynamo_model::blocking::{self, Wait};
use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "blocking_users")]
struct User {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(validate(email))]
    email: String,
    visits: u32,
}

fn user(i: u32) -> User {
    User {
        id: format!("u{i}"),
        email: format!("user{i}@example.com"),
        visits: 0,
    }
}

/// Plain `#[test]`s: no runtime of their own.
#[test]
fn the_quickstart_runs_from_synchronous_code() {
    let local = blocking::local().unwrap();
    let db = local.db().table_prefix("blocking.");
    db.create_table::<User>()
        .if_not_exists()
        .send()
        .wait()
        .unwrap();
    db.create(&user(1)).send().wait().unwrap();
    assert!(matches!(
        db.create(&user(1)).send().wait(),
        Err(Error::AlreadyExists { .. })
    ));
    let updated = db
        .update(UserKey::new("u1"))
        .add(User::VISITS, 2)
        .send()
        .wait()
        .unwrap();
    assert_eq!(updated.visits, 2);
    db.batch_put(&(2..=120).map(user).collect::<Vec<_>>())
        .send()
        .wait()
        .unwrap();
    assert_eq!(db.scan::<User>().count().wait().unwrap(), 120);
    // A stream, one page at a time, as an iterator.
    let streamed = blocking::iter(db.scan::<User>().page_size(25).stream())
        .collect::<Result<Vec<User>, Error>>()
        .unwrap();
    assert_eq!(streamed.len(), 120);
    db.delete(UserKey::new("u1")).send().wait().unwrap();
    assert_eq!(
        db.get(UserKey::new("u1"))
            .consistent()
            .send()
            .wait()
            .unwrap(),
        None
    );
    // Validation still comes first.
    let bad = User {
        email: "nope".into(),
        ..user(999)
    };
    assert!(matches!(
        db.put(&bad).send().wait(),
        Err(Error::Validation { .. })
    ));
}

/// Inside an async runtime, `wait` refuses (it would stall the runtime) without panicking.
#[tokio::test]
async fn inside_an_async_runtime_wait_refuses_and_says_what_to_do() {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let db = Db::new(aws_sdk_dynamodb::Client::from_conf(config));
    let err = db.get(UserKey::new("u1")).send().wait().unwrap_err();
    let Error::InvalidRequest { message } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("`.await` the request"), "{message}");
    let first = blocking::iter(db.scan::<User>().stream()).next().unwrap();
    assert!(matches!(first, Err(Error::InvalidRequest { .. })));
    // From a thread of its own, outside the runtime, it works as anywhere else.
    let from_own_thread = std::thread::spawn(|| async { Ok::<_, Error>(7) }.wait())
        .join()
        .unwrap();
    assert_eq!(from_own_thread.unwrap(), 7);
}
