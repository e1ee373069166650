//! Nested documents (`#[derive(Attributes)]`): storage, error paths, and typed nested paths in
//! conditions and updates, against DynamoDB Local.

use crate::common;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::Item;

#[derive(Attributes, Debug, Clone, PartialEq)]
pub struct Geo {
    lat: f64,
    lng: f64,
}

#[derive(Attributes, Debug, Clone, PartialEq)]
pub struct Address {
    city: String,
    zip: Option<String>,
    #[dynamo(rename = "geo")]
    location: Option<Geo>,
    #[dynamo(skip)]
    formatted: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "people")]
pub struct Person {
    #[dynamo(hash_key)]
    id: String,
    address: Address,
    previous: Vec<Address>,
    billing: Option<Address>,
}

fn person() -> Person {
    Person {
        id: "p1".into(),
        address: Address {
            city: "London".into(),
            zip: Some("W1".into()),
            location: Some(Geo {
                lat: 51.5,
                lng: -0.12,
            }),
            formatted: String::new(),
        },
        previous: vec![
            Address {
                city: "Paris".into(),
                zip: None,
                location: None,
                formatted: String::new(),
            },
            Address {
                city: "Rome".into(),
                zip: Some("00100".into()),
                location: None,
                formatted: String::new(),
            },
        ],
        billing: None,
    }
}

async fn setup(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Person>().send().await.unwrap();
    db.put(&person()).send().await.unwrap();
    db
}

fn key() -> PersonKey {
    PersonKey::new("p1")
}

#[tokio::test]
async fn nested_documents_round_trip_as_maps() {
    let db = setup("nested_round_trip").await;
    assert_eq!(
        db.get(key()).consistent().send().await.unwrap(),
        Some(person())
    );
    let raw = db
        .get(key())
        .project([Path::name("address")])
        .send()
        .await
        .unwrap()
        .unwrap();
    let AttributeValue::M(address) = &raw["address"] else {
        panic!("address is a map: {raw:?}");
    };
    assert!(address.contains_key("geo") && !address.contains_key("formatted"));
}

#[test]
fn bad_nested_data_names_the_nested_path() {
    let mut item = person().to_item().unwrap();
    let AttributeValue::L(previous) = item.get_mut("previous").unwrap() else {
        panic!()
    };
    let AttributeValue::M(second) = &mut previous[1] else {
        panic!()
    };
    second.insert("city".into(), AttributeValue::N("1".into()));
    let err = Person::from_item(item).unwrap_err();
    assert!(
        matches!(&err, Error::Attribute { path, found, .. } if path == "previous[1].city" && found == "number 1"),
        "{err:?}"
    );

    let mut item: Item = person().to_item().unwrap();
    let AttributeValue::M(address) = item.get_mut("address").unwrap() else {
        panic!()
    };
    let AttributeValue::M(geo) = address.get_mut("geo").unwrap() else {
        panic!()
    };
    geo.remove("lat");
    let err = Person::from_item(item).unwrap_err();
    assert!(
        matches!(&err, Error::Attribute { path, .. } if path == "address.geo.lat"),
        "{err:?}"
    );
}

#[tokio::test]
async fn conditions_on_nested_paths() {
    let db = setup("nested_conditions").await;
    let holds = |condition: Condition<Person>| {
        let db = db.clone();
        async move {
            match db.put(&person()).condition(condition).send().await {
                Ok(_) => true,
                Err(Error::ConditionFailed { .. }) => false,
                Err(other) => panic!("{other}"),
            }
        }
    };
    assert!(holds(Person::ADDRESS.then(Address::CITY).eq("London")).await);
    assert!(!holds(Person::ADDRESS.then(Address::CITY).eq("Paris")).await);
    assert!(
        holds(
            Person::ADDRESS
                .then(Address::LOCATION)
                .then(Geo::LAT)
                .gt(50.0)
        )
        .await
    );
    assert!(holds(Person::PREVIOUS.at(1).then(Address::ZIP).eq("00100")).await);
    assert!(holds(Person::BILLING.then(Address::CITY).not_exists()).await);
    assert_eq!(
        Person::ADDRESS
            .then(Address::LOCATION)
            .then(Geo::LNG)
            .path()
            .to_string(),
        "address.geo.lng"
    );
}

#[tokio::test]
async fn updates_change_one_nested_field_and_keep_the_rest() {
    let db = setup("nested_updates").await;
    let new = db
        .update(key())
        .set(Person::ADDRESS.then(Address::CITY), "Leeds")
        .remove(Person::ADDRESS.then(Address::ZIP))
        .set(Person::PREVIOUS.at(0).then(Address::ZIP), "75001")
        .send()
        .await
        .unwrap();
    assert_eq!(
        new.address.location,
        person().address.location,
        "the rest of the map stays"
    );
    // Appending to `previous` while changing `previous[0]` would overlap: a second update.
    let new = db
        .update(key())
        .append(
            Person::PREVIOUS,
            vec![Address {
                city: "Oslo".into(),
                zip: None,
                location: None,
                formatted: "ignored".into(),
            }],
        )
        .send()
        .await
        .unwrap();
    let mut expected = person();
    expected.address.city = "Leeds".into();
    expected.address.zip = None;
    expected.previous[0].zip = Some("75001".into());
    expected.previous.push(Address {
        city: "Oslo".into(),
        zip: None,
        location: None,
        formatted: String::new(),
    });
    assert_eq!(new, expected);
}
