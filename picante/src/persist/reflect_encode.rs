//! postcard's encoding of a value, written by walking its shape directly: the same bytes as
//! facet-postcard's, without its general serializer (which collects each struct's fields into
//! a vector, keeps a path for error messages and asks the format at every step). In a cold
//! build of the host's 10,000-page listings site the save's share of the host's CPU samples
//! went from 17% to 8% with it.
//!
//! It covers the shapes plain Rust data has: scalars (integers of every width, floats, `bool`,
//! `char`, strings), `Option`, lists, arrays, maps, sets, smart pointers, structs, tuples and
//! enums, derived `#[facet(transparent)]` newtypes, fields skipped by `#[facet(skip)]`, and a
//! field whose proxy is an empty struct (a field kept out of the saved file: written as
//! nothing). Anything else (another proxy, another transparent wrapper, a flattened field, an opaque adapter, a `Result`, a dynamic value,
//! attributes it does not know) makes [`encode`] answer `None`, and the caller encodes the
//! value with facet-postcard: the encoding of a value never depends on which path wrote it.
//! Debug builds check that claim on every value saved (`persist::encode_value_into`, so the whole
//! test suite's values are checked); the tests below check it for every kind of shape handled.

use super::postcard_direct::varint;
use facet::{Def, Facet, Field, Peek, ScalarType, Shape, StructKind, Type, UserType, VTableErased};

/// A shape this encoder leaves to facet-postcard.
struct Unhandled;

type Encoded = Result<(), Unhandled>;

/// The postcard bytes of `value`, or `None` if its shape (or one inside it) is not one this
/// module handles.
#[cfg(test)]
pub(super) fn encode<T: Facet<'static>>(value: &T) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    encode_into(value, &mut out).then_some(out)
}

/// Appends the postcard bytes of `value` to `out` and returns true; or, if its shape (or one
/// inside it) is not one this module handles, leaves `out` as it was and returns false.
pub(super) fn encode_into<T: Facet<'static>>(value: &T, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    if value_into(Peek::new(value), out).is_ok() {
        return true;
    }
    out.truncate(start);
    false
}

/// Whether facet-postcard could treat `shape` otherwise than by its structure.
fn is_special(shape: &Shape) -> bool {
    shape.proxy.is_some()
        || !shape.format_proxies.is_empty()
        || shape.opaque_adapter.is_some()
        || !shape.attributes.is_empty()
        || shape.is_metadata_container()
}

/// Whether facet-postcard could treat `field` otherwise than by its value's shape (its proxy
/// aside: see [`field_into`]).
fn is_special_field(field: &Field) -> bool {
    !field.format_proxies.is_empty()
        || field.is_flattened()
        || field.metadata.is_some()
        || !field.attributes.is_empty()
}

/// Writes the field `field` of value `value` (unless it is skipped). A field with a proxy is
/// written as its proxy; the one proxy handled here is an empty struct, which is written as
/// nothing whatever the field holds (a field kept out of a saved file that way).
fn field_into<'mem, 'facet>(
    field: &Field,
    value: impl FnOnce() -> Option<Peek<'mem, 'facet>>,
    out: &mut Vec<u8>,
) -> Encoded {
    if is_special_field(field) {
        return Err(Unhandled);
    }
    if field.should_skip_serializing_unconditional() {
        return Ok(());
    }
    if let Some(proxy) = field.proxy {
        return if writes_nothing(proxy.shape) { Ok(()) } else { Err(Unhandled) };
    }
    value_into(value().ok_or(Unhandled)?, out)
}

/// Whether every value of `shape` is written as no bytes: a plain struct without fields.
fn writes_nothing(shape: &Shape) -> bool {
    !is_special(shape)
        && !lends_its_inner(shape)
        && matches!(shape.ty, Type::User(UserType::Struct(ref fields)) if fields.fields.is_empty())
}

fn value_into(value: Peek<'_, '_>, out: &mut Vec<u8>) -> Encoded {
    // Pointers (`Box`, `Arc`) are their target. A transparent wrapper (a shape that can
    // lend its `inner` value) is left to facet-postcard, which unwraps it by a conversion
    // that may fail; a container's `inner` (its items' shape) is no such thing.
    let value = deref(value)?;
    if let Some(inner) = transparent_field(value) {
        return value_into(inner, out);
    }
    let shape = value.shape();
    if is_special(shape) || lends_its_inner(shape) {
        return Err(Unhandled);
    }
    if let Some(scalar) = value.scalar_type() {
        return scalar_into(scalar, value, out);
    }
    if matches!(shape.def, Def::Scalar) {
        // facet-format writes such a scalar by its `Display`; not done here.
        return Err(Unhandled);
    }
    // Each `into_*` below is tried only for the shapes it accepts: a refusal builds an error
    // (and drops it), which was a tenth of the save's encoding when every struct was first
    // asked whether it was an option, a map and a set.
    if let Def::Option(_) = shape.def
        && let Ok(option) = value.into_option()
    {
        return match option.value() {
            Some(inner) => {
                out.push(1);
                value_into(inner, out)
            }
            None => {
                out.push(0);
                Ok(())
            }
        };
    }
    if matches!(shape.def, Def::Result(_) | Def::DynamicValue(_)) {
        return Err(Unhandled);
    }
    if let Def::List(_) | Def::Array(_) | Def::Slice(_) = shape.def {
        let is_array = matches!(shape.def, Def::Array(_));
        let list = value.into_list_like().map_err(|_| Unhandled)?;
        if let Some(bytes) = list.as_bytes() {
            if !is_array {
                varint(out, bytes.len() as u64);
            }
            out.extend_from_slice(bytes);
            return Ok(());
        }
        if !is_array {
            varint(out, list.len() as u64);
        }
        for item in list.iter() {
            value_into(item, out)?;
        }
        return Ok(());
    }
    if let Def::Map(_) = shape.def
        && let Ok(map) = value.into_map()
    {
        varint(out, map.len() as u64);
        for (key, item) in map.iter() {
            value_into(key, out)?;
            value_into(item, out)?;
        }
        return Ok(());
    }
    if let Def::Set(_) = shape.def
        && let Ok(set) = value.into_set()
    {
        varint(out, set.len() as u64);
        for item in set.iter() {
            value_into(item, out)?;
        }
        return Ok(());
    }
    if let Type::User(UserType::Struct(_)) = shape.ty
        && let Ok(fields) = value.into_struct()
    {
        let ty = fields.ty();
        let transparent = matches!(ty.kind, StructKind::Tuple | StructKind::TupleStruct)
            && shape.is_transparent();
        if transparent {
            // One serialized field is written alone; facet-format decides that after
            // skipping, which this does not repeat.
            return Err(Unhandled);
        }
        for (index, field) in ty.fields.iter().enumerate() {
            field_into(field, || fields.field(index).ok(), out)?;
        }
        return Ok(());
    }
    if let Type::User(UserType::Enum(_)) = shape.ty
        && let Ok(variants) = value.into_enum()
    {
        if shape.is_cow() {
            return Err(Unhandled);
        }
        let variant = variants.active_variant().map_err(|_| Unhandled)?;
        let index = variants.variant_index().map_err(|_| Unhandled)?;
        if !variant.attributes.is_empty() {
            return Err(Unhandled);
        }
        varint(out, index as u64);
        for (index, field) in variant.data.fields.iter().enumerate() {
            field_into(field, || variants.field(index).ok().flatten(), out)?;
        }
        return Ok(());
    }
    Err(Unhandled)
}

/// Whether `shape` is a wrapper facet-format serializes as its inner value.
fn lends_its_inner(shape: &Shape) -> bool {
    shape.inner.is_some()
        && match shape.vtable {
            VTableErased::Direct(table) => table.try_borrow_inner.is_some(),
            VTableErased::Indirect(table) => table.try_borrow_inner.is_some(),
        }
}

/// The field of `value` if it is a derived `#[facet(transparent)]` newtype (`struct
/// Hash([u8; 32])`): facet-format writes such a wrapper as the value it lends, which for a
/// derived one is its only field.
fn transparent_field<'mem, 'facet>(value: Peek<'mem, 'facet>) -> Option<Peek<'mem, 'facet>> {
    let shape = value.shape();
    if shape.attributes.len() != 1
        || !shape.has_builtin_attr("transparent")
        || shape.proxy.is_some()
        || !shape.format_proxies.is_empty()
        || shape.opaque_adapter.is_some()
    {
        return None;
    }
    let Type::User(UserType::Struct(ref ty)) = shape.ty else { return None };
    let [field] = ty.fields else { return None };
    let lent = shape.inner?;
    let plain = ty.kind == StructKind::TupleStruct
        && field.shape().id == lent.id
        && field.proxy.is_none()
        && !is_special_field(field)
        && !field.should_skip_serializing_unconditional();
    if !plain {
        return None;
    }
    value.into_struct().ok()?.field(0).ok()
}

/// `value` with every pointer followed.
fn deref<'mem, 'facet>(mut value: Peek<'mem, 'facet>) -> Result<Peek<'mem, 'facet>, Unhandled> {
    while let Def::Pointer(_) = value.shape().def {
        let pointer = value.into_pointer().map_err(|_| Unhandled)?;
        value = pointer.borrow_inner().ok_or(Unhandled)?;
    }
    Ok(value)
}

fn scalar_into<'facet>(scalar: ScalarType, value: Peek<'_, 'facet>, out: &mut Vec<u8>) -> Encoded {
    fn get<'facet, T: Facet<'facet> + Copy>(value: Peek<'_, 'facet>) -> Result<T, Unhandled> {
        value.get::<T>().copied().map_err(|_| Unhandled)
    }
    match scalar {
        ScalarType::Unit => {}
        ScalarType::Bool => out.push(u8::from(get::<bool>(value)?)),
        ScalarType::Char => {
            let mut buffer = [0u8; 4];
            string(out, get::<char>(value)?.encode_utf8(&mut buffer));
        }
        ScalarType::Str | ScalarType::String | ScalarType::CowStr => {
            string(out, value.as_str().ok_or(Unhandled)?);
        }
        ScalarType::F32 => out.extend_from_slice(&get::<f32>(value)?.to_le_bytes()),
        ScalarType::F64 => out.extend_from_slice(&get::<f64>(value)?.to_le_bytes()),
        ScalarType::U8 => out.push(get::<u8>(value)?),
        ScalarType::U16 => varint(out, u64::from(get::<u16>(value)?)),
        ScalarType::U32 => varint(out, u64::from(get::<u32>(value)?)),
        ScalarType::U64 => varint(out, get::<u64>(value)?),
        ScalarType::USize => varint(out, get::<usize>(value)? as u64),
        ScalarType::I8 => out.push(get::<i8>(value)? as u8),
        ScalarType::I16 => zigzag(out, i64::from(get::<i16>(value)?)),
        ScalarType::I32 => zigzag(out, i64::from(get::<i32>(value)?)),
        ScalarType::I64 => zigzag(out, get::<i64>(value)?),
        ScalarType::ISize => zigzag(out, get::<isize>(value)? as i64),
        ScalarType::U128 => varint128(out, get::<u128>(value)?),
        ScalarType::I128 => {
            let n = get::<i128>(value)?;
            varint128(out, ((n << 1) ^ (n >> 127)) as u128);
        }
        _ => return Err(Unhandled),
    }
    Ok(())
}

fn string(out: &mut Vec<u8>, text: &str) {
    varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn varint128(out: &mut Vec<u8>, mut n: u128) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(out: &mut Vec<u8>, n: i64) {
    varint(out, ((n << 1) ^ (n >> 63)) as u64);
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    use std::sync::Arc;

    use facet::Facet;

    use super::encode;

    /// Asserts that the walk handles `value` and writes facet-postcard's bytes for it.
    fn same_bytes<T: Facet<'static>>(value: &T) {
        let walked = encode(value).unwrap_or_else(|| panic!("not handled: {}", T::SHAPE));
        let reference = facet_postcard::to_vec(value).unwrap();
        assert_eq!(walked, reference, "{}", T::SHAPE);
    }

    #[derive(Facet, Debug, Clone, PartialEq)]
    #[repr(u8)]
    enum Kind {
        Plain,
        Tagged(String),
        Pair(u32, Option<i64>),
        Named { weight: i32, tags: Vec<String> },
    }

    #[derive(Facet, Debug, Clone, PartialEq)]
    struct Point(i32, i32);

    #[derive(Facet, Debug, Clone, PartialEq)]
    struct Nothing;

    #[derive(Facet, Debug, Clone, PartialEq)]
    struct Scalars {
        b: bool,
        c: char,
        u8: u8,
        u16: u16,
        u32: u32,
        u64: u64,
        usize: usize,
        i8: i8,
        i16: i16,
        i32: i32,
        i64: i64,
        isize: isize,
        f32: f32,
        f64: f64,
        unit: (),
    }

    #[derive(Facet, Debug, Clone, PartialEq)]
    struct Everything {
        title: String,
        summary: Option<String>,
        missing: Option<u64>,
        bytes: Vec<u8>,
        hash: [u8; 4],
        triple: [u16; 3],
        numbers: Vec<u32>,
        shared: Arc<String>,
        boxed: Box<Kind>,
        kinds: Vec<Option<Kind>>,
        by_name: BTreeMap<String, u32>,
        names: BTreeSet<String>,
        pair: (u32, String),
        point: Point,
        nothing: Nothing,
        nested: Vec<Vec<(String, String)>>,
        scalars: Scalars,
    }

    fn everything(seed: u64) -> Everything {
        let n = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Everything {
            title: format!("title {seed} é ✓"),
            summary: seed.is_multiple_of(2).then(|| "x".repeat((seed % 300) as usize)),
            missing: seed.is_multiple_of(3).then_some(n),
            bytes: (0..(seed % 200) as u8).collect(),
            hash: [n as u8, (n >> 8) as u8, 0, 255],
            triple: [n as u16, 128, 0],
            numbers: (0..(seed % 7) as u32).map(|i| i.wrapping_mul(n as u32)).collect(),
            shared: Arc::new("shared".into()),
            boxed: Box::new(Kind::Named { weight: -(seed as i32), tags: vec!["a".into()] }),
            kinds: vec![
                None,
                Some(Kind::Plain),
                Some(Kind::Tagged("t".into())),
                Some(Kind::Pair(n as u32, Some(-(n as i64)))),
                Some(Kind::Pair(1, None)),
            ],
            by_name: (0..seed % 5).map(|i| (format!("k{i}"), i as u32)).collect(),
            names: ["b", "a", "c"].iter().map(|s| s.to_string()).collect(),
            pair: (n as u32, "p".into()),
            point: Point(n as i32, -1),
            nothing: Nothing,
            nested: vec![vec![], vec![("a".into(), "b".into())]],
            scalars: Scalars {
                b: !seed.is_multiple_of(2),
                c: char::from_u32(0x41 + (seed % 5000) as u32).unwrap_or('x'),
                u8: n as u8,
                u16: n as u16,
                u32: n as u32,
                u64: n,
                usize: n as usize,
                i8: n as i8,
                i16: n as i16,
                i32: n as i32,
                i64: n as i64,
                isize: n as isize,
                f32: n as f32 / 3.0,
                f64: -(n as f64) / 7.0,
                unit: (),
            },
        }
    }

    #[test]
    fn every_shape_handled_is_written_as_facet_postcard_writes_it() {
        for seed in 0..300 {
            same_bytes(&everything(seed));
        }
        same_bytes(&Kind::Plain);
        same_bytes(&vec![Kind::Tagged("x".into()); 3]);
        same_bytes(&Arc::new(vec![Some(1u64), None]));
        same_bytes(&(1u8, -2i64, 'é'));
        same_bytes(&[Point(1, 2), Point(3, 4)]);
        same_bytes(&HashMap::from([("one".to_string(), vec![1u32]), ("two".into(), vec![])]));
    }

    #[test]
    fn the_extremes_of_every_integer_are_written_as_facet_postcard_writes_them() {
        for (u, i) in
            [(0u64, 0i64), (127, -64), (128, 63), (u64::MAX, i64::MIN), (1 << 63, i64::MAX)]
        {
            same_bytes(&(u, i, u as u32, i as i32));
            same_bytes(&(u as u16, i as i16, u as usize, i as isize));
            let (wide, signed) = (u128::from(u) << 64 | u128::from(u), i128::from(i) << 64);
            same_bytes(&(wide, signed, u128::from(u), i128::from(i)));
            same_bytes(&(u128::MAX, i128::MIN, i128::MAX, -1i128));
        }
    }

    #[derive(Facet, Debug, Clone, Copy)]
    struct Blank {}

    impl From<Blank> for Option<String> {
        fn from(_: Blank) -> Self {
            None
        }
    }

    impl From<&Option<String>> for Blank {
        fn from(_: &Option<String>) -> Self {
            Blank {}
        }
    }

    #[derive(Facet, Debug)]
    struct WithProxy {
        kept: u32,
        #[facet(proxy = Blank)]
        dropped: Option<String>,
    }

    #[derive(Facet, Debug)]
    #[facet(transparent)]
    struct Wrapper(String);

    /// A proxy that is not an empty struct.
    #[derive(Facet, Debug, Clone)]
    struct Length {
        chars: u64,
    }

    impl From<Length> for String {
        fn from(length: Length) -> Self {
            "?".repeat(length.chars as usize)
        }
    }

    impl From<&String> for Length {
        fn from(text: &String) -> Self {
            Length { chars: text.chars().count() as u64 }
        }
    }

    #[derive(Facet, Debug)]
    struct WithLength {
        #[facet(proxy = Length)]
        text: String,
    }

    #[derive(Facet, Debug)]
    #[facet(transparent)]
    struct Hash([u8; 4]);

    #[derive(Facet, Debug)]
    struct Hashed {
        hash: Hash,
        name: Wrapper,
        many: Vec<Hash>,
    }

    #[test]
    fn a_transparent_newtype_is_written_as_its_field() {
        same_bytes(&Wrapper("w".into()));
        same_bytes(&Hashed {
            hash: Hash([1, 2, 3, 255]),
            name: Wrapper("é".into()),
            many: vec![Hash([0; 4]), Hash([9; 4])],
        });
    }

    #[test]
    fn a_field_kept_out_by_an_empty_proxy_is_written_as_nothing() {
        for dropped in [Some("<p>html</p>".to_string()), None] {
            same_bytes(&WithProxy { kept: 7, dropped: dropped.clone() });
            same_bytes(&vec![Some(WithProxy { kept: 1, dropped })]);
        }
    }

    #[test]
    fn another_proxy_is_left_to_facet_postcard() {
        let proxied = WithLength { text: "héllo".into() };
        assert_eq!(encode(&proxied), None);
        assert_eq!(encode(&vec![Some(proxied)]), None, "anywhere inside the value");
        // And what the caller does then gives facet-postcard's bytes, as always.
        let proxied = WithLength { text: "héllo".into() };
        let bytes = crate::persist::encode_value(&proxied).unwrap();
        assert_eq!(bytes, facet_postcard::to_vec(&proxied).unwrap());
    }
}
