//! Any bytes decoded as a template context value, both as raw value bytes and as an RPC
//! payload: a value or a decode error, never a panic or a stack overflow; a decoded value
//! re-encodes to an equal value. And the template engine's decoding, with the shared values
//! of every input so far kept (as the template cell keeps them): the same answer as without.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn check(value: cell_proto::Value) {
    let again = rpc::encode(&value.to_wire()).expect("a decoded value encodes");
    let back = cell_proto::decode_value(&again).expect("and decodes again");
    // NaN floats are the one value not equal to itself.
    if format!("{value:?}").contains("NaN") {
        return;
    }
    assert_eq!(back, value);
}

/// Kept across inputs, so that one input's shared values are recalled by another's.
fn shared() -> &'static cell_template::SharedValues {
    static SHARED: OnceLock<cell_template::SharedValues> = OnceLock::new();
    SHARED.get_or_init(cell_template::SharedValues::new)
}

fuzz_target!(|data: &[u8]| {
    let wire = cell_proto::WireValue::from_bytes(data.to_vec());
    let plain = cell_template::Value::from_wire(&wire);
    let kept = cell_template::Value::from_wire_sharing(&wire, shared());
    assert_eq!(plain.is_ok(), kept.is_ok(), "{plain:?} against {kept:?}");
    if let (Ok(plain), Ok(kept)) = (plain, kept)
        && !format!("{plain:?}").contains("NaN")
    {
        assert_eq!(plain, kept);
    }
    if let Ok(value) = wire.to_value() {
        check(value);
    }
    if let Ok(value) = cell_proto::decode_value(data) {
        check(value);
    }
});
