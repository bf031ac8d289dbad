//! Any bytes decoded as a template context value, both as raw value bytes and as an RPC
//! payload: a value or a decode error, never a panic or a stack overflow; a decoded value
//! re-encodes to an equal value.
#![no_main]

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

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = cell_proto::WireValue::from_bytes(data.to_vec()).to_value() {
        check(value);
    }
    if let Ok(value) = cell_proto::decode_value(data) {
        check(value);
    }
});
