//! Single-table design: key templates, several entities in one table, sparse indexes.

use crate::common;

use dynamo_model::prelude::*;

/// A customer's profile: `pk = CUSTOMER#<id>`, `sk = PROFILE`.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "sk")]
#[dynamo(compose(sk = "PROFILE"))]
struct Customer {
    customer_id: String,
    #[dynamo(constant = "Customer")]
    kind: String,
    name: String,
    /// When an unconfirmed sign-up expires.
    #[dynamo(ttl)]
    expires: Option<i64>,
}

/// An order: `pk = CUSTOMER#<customer>`, `sk = ORDER#<placed_at>#<order_id>`, and a sparse
/// index of open orders by status (`open_status` is `None` once the order is closed).
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "store",
    hash_key = "CUSTOMER#{customer_id}",
    range_key = "ORDER#{placed_at}#{order_id}"
)]
#[dynamo(gsi(
    name = "open_orders",
    hash = "OPEN#{open_status}",
    range = "{placed_at}#{order_id}"
))]
#[dynamo(compose(summary = "{open_status}#{total}"))]
struct Order {
    customer_id: String,
    placed_at: Timestamp,
    order_id: String,
    #[dynamo(constant = "Order")]
    kind: String,
    open_status: Option<String>,
    total: i64,
}

const T0: i64 = 1_796_000_000_000;

fn ada() -> Customer {
    Customer {
        customer_id: "c1".into(),
        kind: "Customer".into(),
        name: "Ada".into(),
        expires: None,
    }
}

fn order(customer: &str, minute: i64, id: &str) -> Order {
    Order {
        customer_id: customer.into(),
        placed_at: Timestamp::from_millis(T0 + minute * 60_000),
        order_id: id.into(),
        kind: "Order".into(),
        open_status: Some("PENDING".into()),
        total: minute * 100,
    }
}

/// The item stored at `key`, as DynamoDB holds it.
async fn raw_item<K: dynamo_model::PrimaryKey>(db: &Db, key: K) -> dynamo_model::Item {
    let key = dynamo_model::PrimaryKey::to_item(&key).unwrap();
    db.client()
        .get_item()
        .table_name(db.table_name::<K::Model>())
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("stored")
}

fn text(item: &dynamo_model::Item, name: &str) -> Option<String> {
    item.get(name).map(|v| v.as_s().expect("a string").clone())
}

/// Values with separators, `%`, unicode and negative numbers compose to distinct keys that
/// read back as written; the composed attributes are stored beside the fields.
#[tokio::test]
async fn template_keys_round_trip() {
    let db = common::db("template_round_trip").await;
    db.create_table::<Order>().send().await.unwrap();
    let orders = [
        order("c#1", 3, "o%1"),
        order("c", 3, "1#o"),
        order("c#1", -3, "ø 🦀 #"),
        order("c#1", 3, "o%251"),
    ];
    for o in &orders {
        db.create(o).send().await.unwrap();
    }
    for o in &orders {
        let read = db.get(o.key()).consistent().send().await.unwrap();
        assert_eq!(read.as_ref(), Some(o));
    }
    let raw = raw_item(&db, orders[0].key()).await;
    assert_eq!(text(&raw, "pk").unwrap(), "CUSTOMER#c#1");
    assert_eq!(
        text(&raw, "sk").unwrap(),
        "ORDER#2026-11-30T00:56:20.000Z#o%251",
        "`%` and the separator are escaped in a part followed by a separator"
    );
    assert_eq!(text(&raw, "open_orders_pk").unwrap(), "OPEN#PENDING");
    assert_eq!(
        text(&raw, "summary").unwrap(),
        "PENDING#00000000000000000300",
        "integers are zero-padded to 20 digits"
    );
    assert_eq!(text(&raw, "customer_id").unwrap(), "c#1");
    // `c#1`/`o%1` and `c#1`/`o%251` are two items, not one.
    let all = db
        .query::<Order>()
        .hash(Order::PK.of("c#1"))
        .consistent()
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

/// A sensor's readings, keyed by a signed offset then a time: range conditions on the leading
/// part compare numbers, negative ones included, by value.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "readings",
    hash_key = "SENSOR#{sensor}",
    range_key = "{offset}#{at}"
)]
struct Reading {
    sensor: String,
    offset: i64,
    at: Timestamp,
}

#[tokio::test]
async fn numbers_and_times_in_keys_sort_by_value() {
    let db = common::db("template_order").await;
    db.create_table::<Reading>().send().await.unwrap();
    let offsets = [i64::MIN, -1000, -5, -1, 0, 1, 7, 1000, i64::MAX];
    let mut written = Vec::new();
    for offset in offsets {
        for minute in [2, 1] {
            let reading = Reading {
                sensor: "s1".into(),
                offset,
                at: Timestamp::from_millis(T0 + minute * 60_000),
            };
            db.put(&reading).send().await.unwrap();
            written.push(reading);
        }
    }
    written.sort_by_key(|r| (r.offset, r.at));
    let query = || {
        db.query::<Reading>()
            .hash(Reading::PK.of("s1"))
            .consistent()
    };
    let offsets_of = |items: Vec<Reading>| items.into_iter().map(|r| r.offset).collect::<Vec<_>>();

    assert_eq!(query().all().await.unwrap(), written, "all, in value order");
    let cases: [(Condition<Reading>, &[i64]); 7] = [
        (
            Reading::SK.between((-5,), (7,)),
            &[-5, -5, -1, -1, 0, 0, 1, 1, 7, 7],
        ),
        (
            Reading::SK.gt((1,)),
            &[7, 7, 1000, 1000, i64::MAX, i64::MAX],
        ),
        (
            Reading::SK.ge((1,)),
            &[1, 1, 7, 7, 1000, 1000, i64::MAX, i64::MAX],
        ),
        (Reading::SK.lt((-5,)), &[i64::MIN, i64::MIN, -1000, -1000]),
        (
            Reading::SK.le((-5,)),
            &[i64::MIN, i64::MIN, -1000, -1000, -5, -5],
        ),
        (Reading::SK.begins_with((-1,)), &[-1, -1]),
        (Reading::SK.begins_with((0,)), &[0, 0]),
    ];
    for (condition, expected) in cases {
        let shown = format!("{condition}");
        let found = offsets_of(query().range(condition).all().await.unwrap());
        assert_eq!(found, expected, "{shown}");
    }
    // Both parts: exactly one reading, or a range of times at one offset.
    let one = written[4].clone();
    let found = query()
        .range(Reading::SK.eq((one.offset, one.at)))
        .all()
        .await
        .unwrap();
    assert_eq!(found, vec![one.clone()]);
    let later = query()
        .range(Reading::SK.gt((one.offset, one.at)))
        .limit(1)
        .all()
        .await
        .unwrap();
    assert_eq!(later, vec![written[5].clone()]);
    let newest_first = query().descending().limit(2).all().await.unwrap();
    assert_eq!(offsets_of(newest_first), [i64::MAX, i64::MAX]);
}

/// Time windows over a template's leading time part, and the orders of one customer only.
#[tokio::test]
async fn a_time_window_over_a_sort_key_template() {
    let db = common::db("template_times").await;
    db.create_table::<Order>().send().await.unwrap();
    for minute in 0..30 {
        db.put(&order("c1", minute, &format!("o{minute}")))
            .send()
            .await
            .unwrap();
        db.put(&order("c2", minute, &format!("o{minute}")))
            .send()
            .await
            .unwrap();
    }
    let at = |minute: i64| Timestamp::from_millis(T0 + minute * 60_000);
    let window = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .range(Order::SK.between((at(10),), (at(14),)))
        .consistent()
        .all()
        .await
        .unwrap();
    let ids: Vec<String> = window.iter().map(|o| o.order_id.clone()).collect();
    assert_eq!(ids, ["o10", "o11", "o12", "o13", "o14"]);
    assert!(window.iter().all(|o| o.customer_id == "c1"));
    // The index's template keys too: open orders of every customer, in time order.
    let open = db
        .query::<Order>()
        .index(Order::OPEN_ORDERS)
        .hash(Order::OPEN_ORDERS_PK.of("PENDING"))
        .range(Order::OPEN_ORDERS_SK.lt((at(2),)))
        .all()
        .await
        .unwrap();
    let keys: Vec<(String, String)> = open
        .iter()
        .map(|o| (o.customer_id.clone(), o.order_id.clone()))
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
}

/// Updates keep composed attributes equal to their fields: a sparse index entry goes when its
/// part is removed and comes back when it is set; what cannot be composed is refused.
#[tokio::test]
async fn updates_recompose_templates() {
    let db = common::db("template_updates").await;
    db.create_table::<Order>().send().await.unwrap();
    let o = order("c1", 1, "o1");
    db.create(&o).send().await.unwrap();
    let open_count = || async {
        db.query::<Order>()
            .index(Order::OPEN_ORDERS)
            .hash(Order::OPEN_ORDERS_PK.of("PENDING"))
            .count()
            .await
            .unwrap()
    };
    assert_eq!(open_count().await, 1);

    let closed = db
        .update(o.key())
        .set(Order::OPEN_STATUS, None)
        .set(Order::TOTAL, 250)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.open_status, None);
    let raw = raw_item(&db, o.key()).await;
    assert!(!raw.contains_key("open_orders_pk"), "removed: {raw:?}");
    assert!(!raw.contains_key("summary"), "removed: {raw:?}");
    assert_eq!(open_count().await, 0);

    // The index's range key is composed from key fields the update does not set: the key
    // supplies them.
    db.update(o.key())
        .set(Order::OPEN_STATUS, Some("PENDING".to_owned()))
        .set(Order::TOTAL, -7)
        .send()
        .await
        .unwrap();
    let raw = raw_item(&db, o.key()).await;
    assert_eq!(text(&raw, "open_orders_pk").unwrap(), "OPEN#PENDING");
    assert_eq!(
        text(&raw, "open_orders_sk").unwrap(),
        "2026-11-30T00:54:20.000Z#o1"
    );
    assert_eq!(
        text(&raw, "summary").unwrap(),
        "PENDING#-99999999999999999993"
    );
    assert_eq!(open_count().await, 1);

    let refused = [
        (
            db.update(o.key())
                .set(Order::OPEN_STATUS, Some("SHIPPED".to_owned())),
            "`summary` = {open_status}#{total} is composed from `total` too",
        ),
        (
            db.update(o.key()).set(Order::CUSTOMER_ID, "c2".to_owned()),
            "`customer_id` is part of the primary key (pk = CUSTOMER#{customer_id})",
        ),
        (
            db.update(o.key()).add(Order::TOTAL, 1),
            "`total` is a part of `summary`",
        ),
        (
            db.update(o.key())
                .set(Path::parse("summary").unwrap(), "x".to_owned()),
            "`summary` is composed as {open_status}#{total}",
        ),
    ];
    for (update, expected) in refused {
        match update.send().await {
            Err(Error::InvalidRequest { message }) => {
                assert!(message.contains(expected), "{message}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let read = db.get(o.key()).consistent().send().await.unwrap().unwrap();
    assert_eq!(read.total, -7, "nothing refused was sent");

    // An upsert that creates the item writes the key's fields too: the item reads back.
    let fresh = order("c3", 5, "o5");
    let created = db
        .update(fresh.key())
        .set(Order::OPEN_STATUS, Some("PENDING".to_owned()))
        .set(Order::TOTAL, 500)
        .set(Order::KIND, "Order".to_owned())
        .upsert()
        .send()
        .await
        .unwrap();
    assert_eq!(created, fresh);
}

/// An order line, in the order's partition: `sk = ORDER#<placed_at>#<order_id>#LINE#<n>`.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "store",
    hash_key = "CUSTOMER#{customer_id}",
    range_key = "ORDER#{placed_at}#{order_id}#LINE#{line}"
)]
struct OrderLine {
    customer_id: String,
    placed_at: Timestamp,
    order_id: String,
    line: u32,
    #[dynamo(constant = "OrderLine")]
    kind: String,
    product: String,
    quantity: u32,
}

dynamo_model::table! {
    /// Customers, orders and order lines.
    struct Store { Customer, Order, OrderLine }
}

/// A person in a shared directory table; its indexes hold some attributes only.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "directory", hash_key = "USER#{id}", range_key = "sk")]
#[dynamo(compose(sk = "PERSON"))]
#[dynamo(gsi(name = "by_city", hash = "city", projection(include("name"))))]
#[dynamo(gsi(name = "by_team", hash = "team", projection = "keys_only"))]
struct Person {
    id: String,
    #[dynamo(constant = "Person")]
    kind: String,
    name: String,
    city: String,
    team: String,
    #[dynamo(ttl)]
    expires: Option<i64>,
}

/// A pet, in the same partitions and the same city index.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "directory", hash_key = "USER#{id}", range_key = "sk")]
#[dynamo(compose(sk = "PET"))]
#[dynamo(gsi(name = "by_city", hash = "city", projection(include("name"))))]
struct Pet {
    id: String,
    #[dynamo(constant = "Pet")]
    kind: String,
    name: String,
    city: String,
    #[dynamo(ttl)]
    expires: Option<i64>,
}

dynamo_model::table! {
    /// People and their pets.
    struct Directory { Person, Pet }
}

/// What the city index holds of a person.
#[derive(Attributes, Debug, Clone, PartialEq)]
struct Name {
    name: String,
}

/// An index that holds some attributes only holds the type and TTL attributes too (a query of
/// a global index filters on them and cannot read what the index does not hold), and
/// `check_table` reports an index made without them.
#[tokio::test]
async fn partial_indexes_hold_the_type_and_ttl_attributes() {
    use dynamo_model::aws_sdk_dynamodb::types::ProjectionType;
    use dynamo_model::Difference;
    let db = common::db("partial_indexes").await;
    db.create_table::<Directory>().send().await.unwrap();
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name::<Person>())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let projected = |name: &str| {
        let index = table
            .global_secondary_indexes()
            .iter()
            .find(|i| i.index_name() == Some(name))
            .unwrap();
        let projection = index.projection().unwrap();
        let mut names = projection.non_key_attributes().to_vec();
        names.sort();
        (projection.projection_type().cloned(), names)
    };
    assert_eq!(
        projected("by_city"),
        (
            Some(ProjectionType::Include),
            vec!["expires".to_owned(), "kind".to_owned(), "name".to_owned()]
        )
    );
    assert_eq!(
        projected("by_team"),
        (
            Some(ProjectionType::Include),
            vec!["expires".to_owned(), "kind".to_owned()]
        )
    );
    for (id, city) in [("ada", "Oslo"), ("bob", "Oslo"), ("cy", "Rome")] {
        let person = Person {
            id: id.into(),
            kind: "Person".into(),
            name: id.to_uppercase(),
            city: city.into(),
            team: "core".into(),
            expires: None,
        };
        db.put(&person).send().await.unwrap();
        let pet = Pet {
            id: id.into(),
            kind: "Pet".into(),
            name: format!("{id}'s cat"),
            city: city.into(),
            expires: None,
        };
        db.put(&pet).send().await.unwrap();
    }
    let mut names: Vec<String> = db
        .query::<Person>()
        .index(Person::BY_CITY)
        .hash("Oslo")
        .select::<Name>()
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    names.sort();
    assert_eq!(names, ["ADA", "BOB"], "people only, read from the index");
    let team = db
        .query::<Person>()
        .index(Person::BY_TEAM)
        .hash("core")
        .count()
        .await
        .unwrap();
    assert_eq!(team, 3);
    let report = db.check_table::<Directory>().send().await.unwrap();
    assert_eq!(report.differences, [], "{report}");

    // A table made by hand without them: each such index is reported, with what it lacks.
    use dynamo_model::aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ScalarAttributeType,
    };
    let older = common::db("partial_indexes_older").await;
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    let mut create = older
        .client()
        .create_table()
        .table_name(older.table_name::<Person>())
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest);
    for name in ["pk", "sk", "city", "team"] {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        );
    }
    for (index, hash, projection) in [
        (
            "by_city",
            "city",
            Projection::builder()
                .projection_type(ProjectionType::Include)
                .non_key_attributes("name")
                .build(),
        ),
        (
            "by_team",
            "team",
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        ),
    ] {
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index)
                .key_schema(key(hash, KeyType::Hash))
                .projection(projection)
                .build()
                .unwrap(),
        );
    }
    create.send().await.unwrap();
    let report = older.check_table::<Directory>().send().await.unwrap();
    let definitions: Vec<(String, String, String)> = report
        .differences
        .iter()
        .filter_map(|d| match d {
            Difference::IndexDefinition {
                name,
                expected,
                found,
            } => Some((name.clone(), expected.clone(), found.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        definitions,
        [
            (
                "by_city".to_owned(),
                "global on hash city (S), projecting include(expires, kind, name)".to_owned(),
                "global on hash city (S), projecting include(name)".to_owned()
            ),
            (
                "by_team".to_owned(),
                "global on hash team (S), projecting include(expires, kind)".to_owned(),
                "global on hash team (S), projecting keys only".to_owned()
            ),
        ],
        "{report}"
    );
}

/// A table declared by hand, without `table!`'s compile-time check: `create_table` checks the
/// same rules and says what differs before sending.
#[tokio::test]
async fn a_hand_declared_table_is_checked_before_creating() {
    struct Mixed;
    impl dynamo_model::Table for Mixed {
        const ENTITIES: &'static [&'static dynamo_model::Schema] =
            &[<Customer as Model>::SCHEMA, <Member as Model>::SCHEMA];
    }
    let (db, requests) = common::counting::db("hand_table").await;
    let err = db.create_table::<Mixed>().send().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: two entities of table `store`: entities `ENTITIES[0]` and `ENTITIES[1]` name different tables, `store` and `members`: give both the same `table`"
    );
    assert_eq!(requests.sent(), 0);
}

/// The shared table is created once, with every entity's indexes and key attributes (the order
/// lines declare no index, the orders one).
#[tokio::test]
async fn a_shared_table_is_created_with_every_entitys_indexes() {
    let db = common::db("template_shared").await;
    let request = db.create_table::<Store>().request().unwrap();
    let indexes: Vec<&str> = request
        .global_secondary_indexes()
        .iter()
        .map(|i| i.index_name())
        .collect();
    assert_eq!(indexes, ["open_orders"]);
    let mut attributes: Vec<&str> = request
        .attribute_definitions()
        .iter()
        .map(|a| a.attribute_name())
        .collect();
    attributes.sort();
    assert_eq!(attributes, ["open_orders_pk", "open_orders_sk", "pk", "sk"]);
    db.create_table::<Store>().send().await.unwrap();
    let o = order("c1", 1, "o1");
    db.create(&o).send().await.unwrap();
    let line = OrderLine {
        customer_id: "c1".into(),
        placed_at: o.placed_at,
        order_id: "o1".into(),
        line: 1,
        kind: "OrderLine".into(),
        product: "tea".into(),
        quantity: 2,
    };
    db.create(&line).send().await.unwrap();
    let open = db
        .query::<Order>()
        .index(Order::OPEN_ORDERS)
        .hash(Order::OPEN_ORDERS_PK.of("PENDING"))
        .all()
        .await
        .unwrap();
    assert_eq!(open, vec![o]);
    db.delete_table::<Store>().send().await.unwrap();
}

/// A customer's partition read as one typed collection.
#[derive(Collection, Debug, Clone, PartialEq)]
enum CustomerData {
    Profile(Customer),
    Order(Order),
    Line(OrderLine),
}

/// An order with its lines (their sort keys begin with the order's).
#[derive(Collection, Debug, Clone, PartialEq)]
enum OrderWithLines {
    Order(Order),
    Line(OrderLine),
}

/// One customer with a profile, 1,000 orders and a line each, in one partition: read back as
/// one typed collection over several pages with cursors; an `Order` query over that partition
/// returns exactly the orders.
#[tokio::test]
async fn a_partition_read_as_a_collection() {
    let db = common::db("template_collection").await;
    db.create_table::<Store>().send().await.unwrap();
    let customer = ada();
    db.create(&customer).send().await.unwrap();
    let orders: Vec<Order> = (0..1000)
        .map(|i| order("c1", i, &format!("o{i:04}")))
        .collect();
    let lines: Vec<OrderLine> = orders
        .iter()
        .map(|o| OrderLine {
            customer_id: o.customer_id.clone(),
            placed_at: o.placed_at,
            order_id: o.order_id.clone(),
            line: 1,
            kind: "OrderLine".into(),
            product: format!("product of {}", o.order_id),
            quantity: 1,
        })
        .collect();
    db.batch_put(&orders).send().await.unwrap();
    db.batch_put(&lines).send().await.unwrap();
    // Another customer's items are in another partition and never show.
    db.put(&order("c2", 1, "x")).send().await.unwrap();

    // Sort key order: each order, then its line; the profile (`PROFILE` > `ORDER#..`) last.
    let mut expected: Vec<CustomerData> = Vec::new();
    for (o, line) in orders.iter().zip(&lines) {
        expected.push(CustomerData::Order(o.clone()));
        expected.push(CustomerData::Line(line.clone()));
    }
    expected.push(CustomerData::Profile(customer.clone()));

    let mut read = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let mut query = db
            .collection::<CustomerData>()
            .hash(Customer::PK.of("c1"))
            .limit(700);
        if let Some(cursor) = cursor.take() {
            query = query.start_after(cursor);
        }
        let page = query.send().await.unwrap();
        pages += 1;
        read.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(read.len(), expected.len());
    assert!(read == expected, "the collection in sort key order");

    // Streamed, and counted.
    use futures::TryStreamExt;
    let streamed: Vec<CustomerData> = db
        .collection::<CustomerData>()
        .hash(Customer::PK.of("c1"))
        .page_size(300)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 2001);
    let count = db
        .collection::<CustomerData>()
        .hash(Customer::PK.of("c1"))
        .count()
        .await
        .unwrap();
    assert_eq!(count, 2001);

    // One entity: exactly the orders, `limit` counting orders.
    let only_orders = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .all()
        .await
        .unwrap();
    assert_eq!(only_orders, orders);
    let fifty = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .limit(50)
        .send()
        .await
        .unwrap();
    assert_eq!(fifty.items, orders[..50]);
    // And the profile: by key, and by a query of its entity over the same partition.
    let profiles = db
        .query::<Customer>()
        .hash(Customer::PK.of("c1"))
        .all()
        .await
        .unwrap();
    assert_eq!(profiles, vec![customer.clone()]);
    assert_eq!(
        db.get(CustomerKey::new("c1")).send().await.unwrap(),
        Some(customer)
    );

    // An order with its lines, by the order's sort key prefix: a collection that leaves the
    // profile out.
    let o = &orders[7];
    let with_lines = db
        .collection::<OrderWithLines>()
        .hash(Order::PK.of("c1"))
        .range(Order::SK.begins_with((o.placed_at, o.order_id.as_str())))
        .all()
        .await
        .unwrap();
    assert_eq!(
        with_lines,
        vec![
            OrderWithLines::Order(o.clone()),
            OrderWithLines::Line(lines[7].clone())
        ]
    );
}

/// `check_table` reports a live table that differs from the code, exactly; `migrate_table`
/// adds the missing global index (built over the items already there) and TTL, and leaves the
/// rest.
#[tokio::test]
async fn check_and_migrate_a_table() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    };
    use dynamo_model::{Difference, IndexKind};
    let db = common::db("template_check").await;
    assert_eq!(
        db.check_table::<Store>().send().await.unwrap().differences,
        [Difference::TableMissing]
    );
    // The table as an older version of the code made it: no `open_orders`, a `legacy` index,
    // no TTL, provisioned.
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let throughput = ProvisionedThroughput::builder()
        .read_capacity_units(5)
        .write_capacity_units(5)
        .build()
        .unwrap();
    db.client()
        .create_table()
        .table_name(db.table_name::<Order>())
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .attribute_definitions(attribute("legacy_pk"))
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput.clone())
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("legacy")
                .key_schema(key("legacy_pk", KeyType::Hash))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .provisioned_throughput(throughput)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let o = order("c1", 1, "o1");
    db.create(&o).send().await.unwrap();

    let report = db.check_table::<Store>().send().await.unwrap();
    let expected = [
        Difference::MissingIndex {
            name: "open_orders".into(),
            kind: IndexKind::Global,
            expected: "global on hash open_orders_pk (S), range open_orders_sk (S), projecting all"
                .into(),
        },
        Difference::ExtraIndex {
            name: "legacy".into(),
        },
        Difference::Ttl {
            expected: Some("expires".into()),
            found: None,
        },
        Difference::BillingMode {
            found: "PROVISIONED".into(),
        },
    ];
    assert_eq!(report.differences, expected, "{report}");
    assert!(
        report
            .to_string()
            .contains("index `open_orders` is missing: global on hash open_orders_pk (S)"),
        "{report}"
    );

    let migration = db.migrate_table::<Store>().send().await.unwrap();
    assert_eq!(
        migration.applied,
        [expected[0].clone(), expected[2].clone()]
    );
    assert_eq!(
        migration.remaining,
        [expected[1].clone(), expected[3].clone()]
    );
    // The new index holds the order written before it existed; the item is untouched.
    let open = db
        .query::<Order>()
        .index(Order::OPEN_ORDERS)
        .hash(Order::OPEN_ORDERS_PK.of("PENDING"))
        .all()
        .await
        .unwrap();
    assert_eq!(open, vec![o.clone()]);
    assert_eq!(db.get(o.key()).consistent().send().await.unwrap(), Some(o));
    let again = db.check_table::<Store>().send().await.unwrap();
    assert_eq!(again.differences, migration.remaining, "{again}");

    // Another key schema is reported, key by key, and never migrated.
    db.client()
        .create_table()
        .table_name(db.table_name::<Reading>())
        .key_schema(key("pk", KeyType::Hash))
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::N)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let keys = [
        Difference::Key {
            role: "HASH",
            expected: Some("pk (S)".into()),
            found: Some("pk (N)".into()),
        },
        Difference::Key {
            role: "RANGE",
            expected: Some("sk (S)".into()),
            found: None,
        },
    ];
    let report = db.check_table::<Reading>().send().await.unwrap();
    assert_eq!(report.differences, keys, "{report}");
    let migration = db.migrate_table::<Reading>().send().await.unwrap();
    assert!(migration.applied.is_empty());
    assert_eq!(migration.remaining, keys);
}

/// `examples/store.rs`, run as a user runs it, against this binary's DynamoDB Local: every
/// access pattern it lists answers as the sample data says.
#[tokio::test]
async fn the_store_example_runs() {
    let local = common::local().await;
    let example = common::example("store");
    let output = tokio::process::Command::new(&example)
        .env("DYNAMODB_ENDPOINT", local.endpoint())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "table `store` is as the code declares it",
        "profile: Ada <ada@example.com>",
        "orders page 1: o022 o021 o020 o017",
        "orders page 4: o002 o001 o000",
        "packed orders: 12",
        "shipped o001; packed orders now: 11",
        "order o022: total 1700 cents",
        "  line 2: tea x2 at 450 cents",
        "partition of c1: 1 profile, 15 orders, 30 lines",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "missing {line:?} in:\n{stdout}"
        );
    }
    // Found by its id alone, through the `by_id` index.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("order o015: customer c1, placed 2026-")),
        "{stdout}"
    );
}

/// The write operations, for the template rule's matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Write {
    Create,
    Put,
    BatchPut,
    TxCreate,
    TxPut,
    TxPutIf,
    Update,
    Upsert,
    TxUpdate,
}

const WRITES: [Write; 9] = [
    Write::Create,
    Write::Put,
    Write::BatchPut,
    Write::TxCreate,
    Write::TxPut,
    Write::TxPutIf,
    Write::Update,
    Write::Upsert,
    Write::TxUpdate,
];

/// Writes `o` by `op`: whole, or field by field (an update and a transaction's update need an
/// item stored before).
async fn write_order(db: &Db, op: Write, o: &Order) {
    fn update<'a>(
        u: dynamo_model::Update<'a, Order>,
        o: &Order,
    ) -> dynamo_model::Update<'a, Order> {
        u.set(Order::OPEN_STATUS, o.open_status.clone())
            .set(Order::TOTAL, o.total)
            .set(Order::KIND, o.kind.clone())
    }
    match op {
        Write::Create => drop(db.create(o).send().await.unwrap()),
        Write::Put => drop(db.put(o).send().await.unwrap()),
        Write::BatchPut => db.batch_put([o]).send().await.unwrap(),
        Write::TxCreate => drop(db.transact_write().create(o).send().await.unwrap()),
        Write::TxPut => drop(db.transact_write().put(o).send().await.unwrap()),
        Write::TxPutIf => db
            .transact_write()
            // New, or an order stored before.
            .put_if(o, Order::TOTAL.not_exists() | Order::KIND.eq("Order"))
            .send()
            .await
            .map(drop)
            .unwrap(),
        Write::Update => drop(update(db.update(o.key()), o).send().await.unwrap()),
        Write::Upsert => drop(update(db.update(o.key()).upsert(), o).send().await.unwrap()),
        Write::TxUpdate => db
            .transact_write()
            .update::<Order>(o.key(), |u| {
                u.set(Order::OPEN_STATUS, o.open_status.clone())
                    .set(Order::TOTAL, o.total)
            })
            .send()
            .await
            .map(drop)
            .unwrap(),
    }
}

/// The template rule on every operation: each write composes the same attributes as a create,
/// each read by key finds the item by its template key, each listing reads it back.
#[tokio::test]
async fn templates_on_every_operation() {
    use Write::*;
    let db = common::db("template_matrix").await;
    db.create_table::<Order>().send().await.unwrap();
    let composed = ["pk", "sk", "open_orders_pk", "open_orders_sk", "summary"];
    let reference = order("ref", 1, "o1");
    db.create(&reference).send().await.unwrap();
    let expected = raw_item(&db, reference.key()).await;

    for (n, op) in WRITES.into_iter().enumerate() {
        let customer = format!("c#{n}");
        let o = order(&customer, 1, "o1");
        if matches!(op, Update | TxUpdate) {
            // An update changes an existing item: store one with other values first.
            let mut before = o.clone();
            before.open_status = None;
            before.total = 1;
            db.create(&before).send().await.unwrap();
        }
        write_order(&db, op, &o).await;
        let raw = raw_item(&db, o.key()).await;
        for name in composed {
            let want = expected[name]
                .as_s()
                .unwrap()
                .replace("CUSTOMER#ref", &format!("CUSTOMER#{customer}"));
            assert_eq!(
                raw.get(name).and_then(|v| v.as_s().ok()),
                Some(&want),
                "{op:?}: {name}"
            );
        }
        // Reads by the template key, every kind.
        let key = o.key();
        assert_eq!(
            db.get(key.clone())
                .consistent()
                .send()
                .await
                .unwrap()
                .as_ref(),
            Some(&o),
            "{op:?}"
        );
        let (got,) = db
            .transact_get()
            .get::<Order>(key.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(got.as_ref(), Some(&o));
        let got = db
            .batch_get::<Order>([key.clone()])
            .consistent()
            .send()
            .await
            .unwrap();
        assert_eq!(got, vec![Some(o.clone())]);
        let listed = db
            .query::<Order>()
            .hash(Order::PK.of(customer.as_str()))
            .consistent()
            .all()
            .await
            .unwrap();
        assert_eq!(listed, vec![o.clone()]);
        db.transact_write()
            .check::<Order>(key.clone(), Order::TOTAL.eq(o.total))
            .send()
            .await
            .unwrap();
    }
    // Deletes by the template key.
    db.delete(OrderKey::new("c#0", reference.placed_at, "o1"))
        .send()
        .await
        .unwrap();
    db.batch_delete([OrderKey::new("c#1", reference.placed_at, "o1")])
        .send()
        .await
        .unwrap();
    db.transact_write()
        .delete::<Order>(OrderKey::new("c#2", reference.placed_at, "o1"))
        .send()
        .await
        .unwrap();
    let left = db.scan::<Order>().consistent().all().await.unwrap();
    assert_eq!(left.len(), 10 - 3, "{left:?}");
}

/// Index sparseness on every write: an order written closed (`open_status: None`) carries
/// neither of `open_orders`' keys, whether it is new or was open before, and is not listed.
#[tokio::test]
async fn an_index_is_sparse_on_every_write() {
    let db = common::db("sparse_matrix").await;
    db.create_table::<Order>().send().await.unwrap();
    for (n, op) in WRITES.into_iter().enumerate() {
        for was_open in [false, true] {
            if was_open && matches!(op, Write::Create | Write::TxCreate) {
                continue; // a create makes a new item
            }
            let customer = format!("s#{n}#{was_open}");
            let open = order(&customer, 1, "o1");
            if was_open || matches!(op, Write::Update | Write::TxUpdate) {
                let before = Order {
                    open_status: was_open.then(|| "PENDING".to_owned()),
                    ..open.clone()
                };
                db.create(&before).send().await.unwrap();
            }
            let closed = Order {
                open_status: None,
                ..open.clone()
            };
            write_order(&db, op, &closed).await;
            let raw = raw_item(&db, closed.key()).await;
            for name in ["open_orders_pk", "open_orders_sk", "summary"] {
                assert!(
                    !raw.contains_key(name),
                    "{op:?} (open before: {was_open}): {name} in {raw:?}"
                );
            }
        }
    }
    let listed = db
        .scan::<Order>()
        .index(Order::OPEN_ORDERS)
        .all()
        .await
        .unwrap();
    assert_eq!(listed, [], "no closed order is in the index");
}

fn lower(text: &str) -> String {
    text.to_lowercase()
}

/// A tag whose name is stored lower-case: its key template composes the stored value.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "tags", hash_key = "TAG#{name}", range_key = "{count}")]
struct Tag {
    #[dynamo(set = lower)]
    name: String,
    count: u32,
}

/// A part's `set` transform applies wherever the template is composed: a write, a key, a
/// query's hash value and a range condition agree.
#[tokio::test]
async fn template_parts_pass_through_set_transforms() {
    let db = common::db("template_transform").await;
    db.create_table::<Tag>().send().await.unwrap();
    db.create(&Tag {
        name: "Rust".into(),
        count: 3,
    })
    .send()
    .await
    .unwrap();
    let read = db.get(TagKey::new("RUST", 3u32)).send().await.unwrap();
    assert_eq!(
        read,
        Some(Tag {
            name: "rust".into(),
            count: 3
        })
    );
    let found = db
        .query::<Tag>()
        .hash(Tag::PK.of("RuSt"))
        .range(Tag::SK.eq(3u32))
        .all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

/// A note that keeps the attributes it does not name (`flatten`): its composed key is not one
/// of them.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "notes", hash_key = "NOTE#{id}")]
struct Note {
    id: String,
    text: String,
    #[dynamo(flatten)]
    extra: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
}

#[tokio::test]
async fn a_flatten_field_does_not_keep_composed_attributes() {
    let db = common::db("template_flatten").await;
    db.create_table::<Note>().send().await.unwrap();
    let note = Note {
        id: "n1".into(),
        text: "hello".into(),
        extra: [(
            "legacy".to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::S("kept".into()),
        )]
        .into(),
    };
    db.create(&note).send().await.unwrap();
    let read = db.get(NoteKey::new("n1")).send().await.unwrap().unwrap();
    assert_eq!(read, note, "`pk` is not in `extra`");
}

/// An entity whose type attribute keys an index: a query of that index holds the type in its
/// key condition (DynamoDB refuses a filter on a key attribute).
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "tasks")]
#[dynamo(gsi(name = "by_kind", hash = "kind", range = "due"))]
struct Task {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(constant = "Task")]
    kind: String,
    due: u32,
}

#[tokio::test]
async fn an_index_keyed_by_the_type_attribute_can_be_queried() {
    let db = common::db("type_keyed_index").await;
    db.create_table::<Task>().send().await.unwrap();
    for (id, due) in [("t1", 3), ("t2", 1), ("t3", 2)] {
        let task = Task {
            id: id.into(),
            kind: "Task".into(),
            due,
        };
        db.put(&task).send().await.unwrap();
    }
    let due: Vec<u32> = db
        .query::<Task>()
        .index(Task::BY_KIND)
        .hash("Task")
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.due)
        .collect();
    assert_eq!(due, [1, 2, 3]);
    let request = db
        .query::<Task>()
        .index(Task::BY_KIND)
        .hash("Task")
        .request()
        .unwrap();
    assert_eq!(
        request.filter_expression(),
        None,
        "the key condition holds the type"
    );
    let err = db
        .query::<Task>()
        .index(Task::BY_KIND)
        .hash("Note")
        .all()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("always holds \"Task\"")),
        "{err}"
    );
}

/// A read by key of another entity's item says so, naming the type attribute and both values,
/// before decoding any field: get, batch get and transaction get alike.
#[tokio::test]
async fn a_read_by_key_of_another_entitys_item_says_so() {
    let db = common::db("other_entity").await;
    db.create_table::<Order>().send().await.unwrap();
    let o = order("c1", 1, "o1");
    let mut item = dynamo_model::PrimaryKey::to_item(&o.key()).unwrap();
    let s = |v: &str| dynamo_model::aws_sdk_dynamodb::types::AttributeValue::S(v.into());
    item.insert("kind".into(), s("Customer"));
    item.insert("customer_id".into(), s("c1"));
    item.insert("name".into(), s("Ada"));
    db.client()
        .put_item()
        .table_name(db.table_name::<Order>())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let expected = "attribute `kind` of Order, the item pk=\"CUSTOMER#c1\"";
    let errors = [
        db.get(o.key()).send().await.unwrap_err(),
        db.batch_get::<Order>([o.key()]).send().await.unwrap_err(),
        db.transact_get()
            .get::<Order>(o.key())
            .send()
            .await
            .map(|(order,)| order)
            .unwrap_err(),
    ];
    for err in errors {
        let text = err.to_string();
        assert!(text.starts_with(expected), "{text}");
        assert!(
            text.contains("expected the constant \"Order\" (Order), found \"Customer\": another entity's item"),
            "{text}"
        );
    }
    // An item without the type attribute says so.
    let mut untyped = dynamo_model::PrimaryKey::to_item(&o.key()).unwrap();
    untyped.insert("customer_id".into(), s("c1"));
    db.client()
        .put_item()
        .table_name(db.table_name::<Order>())
        .set_item(Some(untyped))
        .send()
        .await
        .unwrap();
    let text = db.get(o.key()).send().await.unwrap_err().to_string();
    assert!(
        text.ends_with("found nothing: an item without the entity's type attribute"),
        "{text}"
    );
    // An item of the entity that breaks its rules: the error names the attribute, the entity
    // and the item, read by key or listed.
    let mut broken = o.to_item().unwrap();
    broken.remove("total");
    db.client()
        .put_item()
        .table_name(db.table_name::<Order>())
        .set_item(Some(broken))
        .send()
        .await
        .unwrap();
    let by_key = db.get(o.key()).send().await.unwrap_err();
    let listed = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .all()
        .await
        .unwrap_err();
    for err in [by_key, listed] {
        let text = err.to_string();
        assert!(
            text.starts_with(
                "attribute `total` of Order, the item pk=\"CUSTOMER#c1\", sk=\"ORDER#"
            ),
            "{text}"
        );
        assert!(
            text.contains(": expected number (i64), found nothing"),
            "{text}"
        );
        assert!(
            matches!(
                &err,
                Error::Attribute {
                    entity: Some("Order"),
                    ..
                }
            ),
            "{err:?}"
        );
    }
    // An item of none of a collection's members: the same, with every member's value.
    #[derive(Collection, Debug)]
    #[allow(dead_code)]
    enum Both {
        Order(Order),
        Customer(Customer),
    }
    let mut stranger = dynamo_model::PrimaryKey::to_item(&o.key()).unwrap();
    stranger.insert("kind".into(), s("Invoice"));
    let err = <Both as dynamo_model::Collection>::from_item(stranger).unwrap_err();
    assert_eq!(
        err.to_string(),
        "attribute `kind`: expected the constant \"Order\" (Order) or \"Customer\" (Customer), found \"Invoice\": another entity's item"
    );
}

/// Every product under one partition key, a template with no parts.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "catalog", hash_key = "pk", range_key = "sku")]
#[dynamo(compose(pk = "#PRODUCTS"))]
#[dynamo(gsi(name = "by_code", hash = "CODE#{code}"))]
struct Product {
    sku: String,
    code: Option<String>,
}

#[tokio::test]
async fn templates_without_parts_query_and_empty_parts_are_refused() {
    let db = common::db("no_part_template").await;
    db.create_table::<Product>().send().await.unwrap();
    for sku in ["a", "b"] {
        let product = Product {
            sku: sku.into(),
            code: Some(format!("c-{sku}")),
        };
        db.put(&product).send().await.unwrap();
    }
    let all = db
        .query::<Product>()
        .hash(Product::PK.of(()))
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // An empty string part would compose `CODE#`: refused before sending, naming the field.
    let empty = Product {
        sku: "c".into(),
        code: Some(String::new()),
    };
    let err = db.put(&empty).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, message } if path == "code" && message.contains("empty string")),
        "{err:?}"
    );
    // `None` leaves the item out of the index.
    db.put(&Product {
        sku: "c".into(),
        code: None,
    })
    .send()
    .await
    .unwrap();
    let coded = db
        .scan::<Product>()
        .index(Product::BY_CODE)
        .all()
        .await
        .unwrap();
    assert_eq!(coded.len(), 2);
}

/// A user listed in an index only while it has a code: the index's sort key is text alone.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "members", hash_key = "MEMBER#{id}", range_key = "sk")]
#[dynamo(compose(sk = "PROFILE", gsi2sk = "USER"))]
#[dynamo(gsi(name = "gsi2", hash = "CODE#{code}", range = "gsi2sk"))]
struct Member {
    id: String,
    code: Option<String>,
}

/// An index is sparse as a whole: an item out of it carries none of its key attributes, on
/// puts, updates and upserts alike; one back in carries both.
#[tokio::test]
async fn an_index_is_sparse_as_a_whole() {
    let db = common::db("sparse_pairs").await;
    db.create_table::<Member>().send().await.unwrap();
    let raw = |id: &'static str| {
        let db = db.clone();
        async move {
            let item = raw_item(&db, MemberKey::new(id)).await;
            (item.contains_key("gsi2_pk"), item.contains_key("gsi2sk"))
        }
    };
    let member = |id: &str, code: Option<&str>| Member {
        id: id.into(),
        code: code.map(str::to_owned),
    };
    db.put(&member("a", Some("x"))).send().await.unwrap();
    db.put(&member("b", None)).send().await.unwrap();
    assert_eq!(raw("a").await, (true, true));
    assert_eq!(
        raw("b").await,
        (false, false),
        "a put out of the index: neither key"
    );
    db.update(MemberKey::new("a"))
        .set(Member::CODE, None)
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw("a").await,
        (false, false),
        "an update taking it out: neither key"
    );
    db.update(MemberKey::new("a"))
        .set(Member::CODE, Some("y".to_owned()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw("a").await,
        (true, true),
        "an update putting it back: both keys"
    );
    db.update(MemberKey::new("c"))
        .set(Member::CODE, None)
        .upsert()
        .send()
        .await
        .unwrap();
    assert_eq!(raw("c").await, (false, false), "an upsert out of the index");
    let listed = db.scan::<Member>().index(Member::GSI2).all().await.unwrap();
    assert_eq!(listed, [member("a", Some("y"))]);
}

/// An author: its type attribute is written by the derive, with no field to fill.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "library", hash_key = "AUTHOR#{author_id}", range_key = "sk")]
#[dynamo(compose(sk = "PROFILE"), constant(kind = "Author"))]
#[dynamo(gsi(name = "by_kind", hash = "kind", range = "sk"))]
struct Author {
    author_id: String,
    name: String,
}

/// A book, in its author's partition.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "library",
    hash_key = "AUTHOR#{author_id}",
    range_key = "BOOK#{isbn}"
)]
#[dynamo(constant(kind = "Book"))]
struct Book {
    author_id: String,
    isbn: String,
    title: String,
    pages: Option<u32>,
}

dynamo_model::table! {
    /// Authors and their books.
    struct Library { Author, Book }
}

#[derive(Collection, Debug, PartialEq)]
enum Shelf {
    Author(Author),
    Book(Book),
}

/// A type attribute declared on the struct (`constant(kind = "Book")`) cannot be wrong: every
/// write stores it (puts, batches, transactions, upserts), every read checks it, and the
/// entities are told apart by it as by a `constant` field.
#[tokio::test]
async fn a_type_attribute_declared_on_the_struct() {
    let db = common::db("struct_constants").await;
    db.create_table::<Library>().send().await.unwrap();
    let ada = Author {
        author_id: "ada".into(),
        name: "Ada".into(),
    };
    let book = |isbn: &str| Book {
        author_id: "ada".into(),
        isbn: isbn.into(),
        title: format!("Notes {isbn}"),
        pages: None,
    };
    db.put(&ada).send().await.unwrap();
    db.create(&book("1")).send().await.unwrap();
    db.batch_put([&book("2")]).send().await.unwrap();
    db.transact_write().put(&book("3")).send().await.unwrap();
    db.update(BookKey::new("ada", "4"))
        .set(Book::TITLE, "Notes 4".to_owned())
        .upsert()
        .send()
        .await
        .unwrap();
    for isbn in ["1", "2", "3", "4"] {
        let item = raw_item(&db, BookKey::new("ada", isbn)).await;
        assert_eq!(
            item["kind"],
            dynamo_model::aws_sdk_dynamodb::types::AttributeValue::S("Book".into()),
            "book {isbn}"
        );
    }
    let shelf = db
        .collection::<Shelf>()
        .hash(Author::PK.of("ada"))
        .all()
        .await
        .unwrap();
    assert_eq!(shelf.len(), 5);
    assert_eq!(shelf[0], Shelf::Book(book("1")));
    assert_eq!(shelf[4], Shelf::Author(ada.clone()));
    let books = db
        .query::<Book>()
        .hash(Book::PK.of("ada"))
        .all()
        .await
        .unwrap();
    assert_eq!(books.len(), 4);
    // The index keyed by the type attribute lists authors only.
    let authors = db
        .query::<Author>()
        .index(Author::BY_KIND)
        .hash(Author::KIND.of(()))
        .all()
        .await
        .unwrap();
    assert_eq!(authors, [ada]);
    // A book stored at an author's key is another entity's item.
    let mut wrong = Book::to_item(&book("1")).unwrap();
    wrong.insert(
        "sk".into(),
        dynamo_model::aws_sdk_dynamodb::types::AttributeValue::S("PROFILE".into()),
    );
    wrong.insert(
        "pk".into(),
        dynamo_model::aws_sdk_dynamodb::types::AttributeValue::S("AUTHOR#bob".into()),
    );
    db.client()
        .put_item()
        .table_name(db.table_name::<Book>())
        .set_item(Some(wrong))
        .send()
        .await
        .unwrap();
    let err = db.get(AuthorKey::new("bob")).send().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("expected the constant \"Author\" (Author), found \"Book\""),
        "{err}"
    );
}
