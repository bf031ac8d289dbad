//! Any bytes decoded as each per-page message of the cell services, by the hand-written
//! codecs: a message or a decode error, never a panic or a huge allocation; whatever decodes
//! is exactly what facet's postcard decoder reads from the same bytes, and survives a round
//! trip (the bytes themselves may differ: a number may come padded, `0x80 0x00` for 0).
#![no_main]

use cell_proto::{MarkdownReply, RenderMarkdown, RenderTemplate, Rendered, RenderedMarkdown};
use libfuzzer_sys::fuzz_target;
use rpc::Payload;

fn check<T>(data: &[u8])
where
    T: Payload + facet::Facet<'static> + PartialEq + std::fmt::Debug,
{
    let ours = T::decode_payload(data);
    if let Ok(message) = &ours {
        let again = message.encode_payload().expect("encodes");
        assert_eq!(&T::decode_payload(&again).expect("decodes again"), message);
        let facets: T = rpc::decode(data).expect("facet reads what the hand codec reads");
        assert_eq!(&facets, message);
    }
}

fuzz_target!(|data: &[u8]| {
    check::<RenderTemplate>(data);
    check::<Rendered>(data);
    check::<RenderMarkdown>(data);
    check::<RenderedMarkdown>(data);
    check::<MarkdownReply>(data);
});
