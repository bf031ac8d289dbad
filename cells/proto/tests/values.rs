//! Values cross the wire flat, and come back intact or as an error, never a crash.

use cell_proto::{MAX_VALUE_DEPTH, Value, decode_value};

fn nested(depth: usize) -> Value {
    let mut v = Value::Int(1);
    for _ in 0..depth {
        v = Value::List(vec![v]);
    }
    v
}

#[test]
fn values_round_trip_through_postcard() {
    let value = Value::map([
        ("title", Value::from("Hello")),
        ("tags", Value::List(vec![Value::from("a"), Value::Null, Value::Bool(true)])),
        ("weight", Value::Int(-3)),
        ("ratio", Value::Float(0.5)),
        ("extra", Value::map([("nested", nested(10))])),
    ]);
    let bytes = rpc::encode(&value.to_wire()).unwrap();
    assert_eq!(decode_value(&bytes).unwrap(), value);
}

#[test]
fn nesting_up_to_the_limit_round_trips_and_deeper_is_refused() {
    let at_limit = nested(MAX_VALUE_DEPTH);
    let bytes = rpc::encode(&at_limit.to_wire()).unwrap();
    assert_eq!(decode_value(&bytes).unwrap(), at_limit);
    let bytes = rpc::encode(&nested(MAX_VALUE_DEPTH + 1).to_wire()).unwrap();
    let err = decode_value(&bytes).unwrap_err();
    assert!(err.to_string().contains("deeper than"), "{err}");
}

#[test]
fn a_hundred_thousand_levels_from_a_peer_is_an_error_not_a_stack_overflow() {
    use cell_proto::{Node, WireValue};
    let wire = WireValue { nodes: vec![Node::List(1); 100_000] };
    let bytes = rpc::encode(&wire).unwrap();
    assert!(decode_value(&bytes).is_err());
}

#[test]
fn malformed_node_lists_are_errors() {
    use cell_proto::{Node, WireValue};
    let cases = [
        vec![],
        vec![Node::List(2), Node::Int(1)],
        vec![Node::Int(1), Node::Int(2)],
        vec![Node::Map(1), Node::Int(1)],
        vec![Node::Key("k".into())],
        vec![Node::List(u32::MAX)],
        vec![Node::Map(1), Node::Key("a".into()), Node::Key("b".into()), Node::Int(1)],
    ];
    for nodes in cases {
        let wire = WireValue { nodes: nodes.clone() };
        assert!(wire.to_value().is_err(), "{nodes:?}");
    }
}

#[test]
fn garbage_bytes_are_a_decode_error() {
    for bytes in [&[][..], &[9], &[4, 200], &[5, 3, 0], &[0xff; 64]] {
        assert!(decode_value(bytes).is_err(), "{bytes:?}");
    }
}
