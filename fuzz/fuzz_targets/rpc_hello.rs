//! Any hello payload: accepted or refused with a protocol error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut stream = Vec::new();
    stream.extend_from_slice(&((rpc::frame::HEADER_LEN + data.len()) as u32).to_le_bytes());
    stream.push(1); // hello
    stream.extend_from_slice(&[0; 20]);
    stream.extend_from_slice(data);
    if let Ok(Some(frame)) = rpc::frame::Frame::read_from(&mut &stream[..], 1 << 16) {
        let _ = rpc::hello::Hello::decode_for_fuzzing(&frame.payload);
    }
});
