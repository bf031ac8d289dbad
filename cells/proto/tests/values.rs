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
    use cell_proto::WireValue;
    // Tag 6 (list) with one item, 100,000 times over.
    let wire = WireValue::from_bytes([6u8, 1].repeat(100_000));
    let err = wire.to_value().unwrap_err();
    assert!(err.contains("deeper than"), "{err}");
    assert!(decode_value(&rpc::encode(&wire).unwrap()).is_err());
}

#[test]
fn malformed_value_bytes_are_errors_that_say_where() {
    use cell_proto::WireValue;
    let cases: [(&[u8], &str); 11] = [
        (&[], "byte 0: the bytes end where a value belongs"),
        (&[6, 2, 3, 2], "byte 4: the bytes end where a value belongs"),
        (&[3, 2, 3, 4], "byte 2: 2 bytes after the value"),
        (&[10], "byte 0: unknown value tag 10"),
        (&[9], "byte 1: the bytes end where a number belongs"),
        (&[6, 0xff, 0xff, 0xff, 0xff, 0x0f], "byte 0: a list of 4294967295 entries in 0 bytes"),
        (&[7, 1, 5, b'k'], "a map key of 5 bytes with 1 left"),
        (&[5, 2, 0xff, 0xfe], "a string that is not UTF-8"),
        (&[4, 1, 2], "a float of 8 bytes with 2 left"),
        (&[3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f], "longer than 64 bits"),
        (&[7, 1, 1, b'k'], "the bytes end where a value belongs"),
    ];
    for (bytes, expected) in cases {
        let err = WireValue::from_bytes(bytes.to_vec()).to_value().unwrap_err();
        assert!(err.contains(expected), "{bytes:?}: {err}");
    }
}

#[test]
fn empty_lists_and_maps_inside_maps_keep_their_keys() {
    let value = Value::map([
        ("a", Value::List(vec![])),
        ("b", Value::Map(vec![])),
        ("c", Value::map([("d", Value::List(vec![Value::Map(vec![])]))])),
        ("e", Value::Int(i64::MIN)),
        ("f", Value::Int(i64::MAX)),
    ]);
    assert_eq!(value.to_wire().to_value().unwrap(), value);
}

#[test]
fn garbage_bytes_are_a_decode_error() {
    for bytes in [&[][..], &[9], &[4, 200], &[5, 3, 0], &[0xff; 64]] {
        assert!(decode_value(bytes).is_err(), "{bytes:?}");
    }
}
