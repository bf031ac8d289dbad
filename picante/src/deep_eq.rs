//! Deep equality through facet reflection.
//!
//! Early cutoff and no-op input sets both ask "is the new value equal to the old one?" of types
//! that need not implement `PartialEq`. Every key and value implements `facet::Facet`, whose
//! shape exposes the type's own `PartialEq` when it has one; otherwise we walk the structure:
//! struct and enum fields, list and array elements, map entries (looked up by key, so hash maps
//! compare regardless of iteration order), set members, `Option`, `Result` and smart pointers
//! (`Arc`, `Box`, `Rc`: compared by pointee).
//!
//! Floats compare by bit pattern, so a NaN equals itself (an input set to the same NaN is a
//! no-op) and `0.0` differs from `-0.0`.
//!
//! When a shape can be neither compared nor walked, the answer is "different": a spurious
//! recomputation is always correct, a spurious cutoff never is.

use facet::{Def, Facet, HasFields, Peek, ScalarType, Type, UserType};

/// Whether `a` and `b` are deeply equal (see the module docs).
pub(crate) fn deep_eq<'a, T: Facet<'a>>(a: &T, b: &T) -> bool {
    peek_eq(Peek::new(a), Peek::new(b))
}

fn peek_eq<'f>(a: Peek<'_, 'f>, b: Peek<'_, 'f>) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    match a.scalar_type() {
        Some(ScalarType::F32) => {
            return matches!((a.get::<f32>(), b.get::<f32>()), (Ok(x), Ok(y)) if x.to_bits() == y.to_bits());
        }
        Some(ScalarType::F64) => {
            return matches!((a.get::<f64>(), b.get::<f64>()), (Ok(x), Ok(y)) if x.to_bits() == y.to_bits());
        }
        _ => {}
    }
    if let Ok(equal) = a.partial_eq(&b) {
        return equal;
    }
    // `Option` and `Result` are enums to facet too, but their variants need not expose their
    // fields (a tagged `Option<S>` shows none), and comparing no fields says "equal": compare
    // the containers by their definition, before their enum (or opaque) shape.
    if matches!(
        a.shape().def,
        Def::Option(_)
            | Def::Result(_)
            | Def::List(_)
            | Def::Array(_)
            | Def::Slice(_)
            | Def::Map(_)
            | Def::Set(_)
            | Def::Pointer(_)
    ) {
        return def_eq(a, b);
    }
    match a.shape().ty {
        Type::User(UserType::Struct(_)) => {
            let (Ok(sa), Ok(sb)) = (a.into_struct(), b.into_struct()) else { return false };
            sa.fields().zip(sb.fields()).all(|((_, fa), (_, fb))| peek_eq(fa, fb))
        }
        Type::User(UserType::Enum(_)) => {
            let (Ok(ea), Ok(eb)) = (a.into_enum(), b.into_enum()) else { return false };
            match (ea.variant_index(), eb.variant_index()) {
                (Ok(va), Ok(vb)) if va == vb => {
                    ea.fields().zip(eb.fields()).all(|((_, fa), (_, fb))| peek_eq(fa, fb))
                }
                _ => false,
            }
        }
        _ => def_eq(a, b),
    }
}

fn def_eq<'f>(a: Peek<'_, 'f>, b: Peek<'_, 'f>) -> bool {
    match a.shape().def {
        Def::List(_) | Def::Array(_) | Def::Slice(_) => {
            let (Ok(la), Ok(lb)) = (a.into_list_like(), b.into_list_like()) else { return false };
            la.len() == lb.len() && la.iter().zip(lb.iter()).all(|(x, y)| peek_eq(x, y))
        }
        Def::Map(_) => {
            let (Ok(ma), Ok(mb)) = (a.into_map(), b.into_map()) else { return false };
            ma.len() == mb.len()
                && ma.iter().all(|(key, value)| match mb.get_peek(key) {
                    Ok(Some(other)) => peek_eq(value, other),
                    _ => false,
                })
        }
        Def::Set(_) => {
            let (Ok(sa), Ok(sb)) = (a.into_set(), b.into_set()) else { return false };
            sa.len() == sb.len()
                && sa.iter().all(|member| sb.contains_peek(member).unwrap_or(false))
        }
        Def::Option(_) => {
            let (Ok(oa), Ok(ob)) = (a.into_option(), b.into_option()) else { return false };
            match (oa.value(), ob.value()) {
                (None, None) => true,
                (Some(x), Some(y)) => peek_eq(x, y),
                _ => false,
            }
        }
        Def::Result(_) => {
            let (Ok(ra), Ok(rb)) = (a.into_result(), b.into_result()) else { return false };
            match (ra.ok(), rb.ok(), ra.err(), rb.err()) {
                (Some(x), Some(y), _, _) => peek_eq(x, y),
                (None, None, Some(x), Some(y)) => peek_eq(x, y),
                _ => false,
            }
        }
        Def::Pointer(_) => {
            let (Ok(pa), Ok(pb)) = (a.into_pointer(), b.into_pointer()) else { return false };
            match (pa.borrow_inner(), pb.borrow_inner()) {
                (Some(x), Some(y)) => x.ptr_eq(&y) || peek_eq(x, y),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap, HashSet};
    use std::sync::Arc;

    /// No `PartialEq`: only reflection can compare these.
    #[derive(Facet, Clone)]
    struct Page {
        title: String,
        tags: Vec<String>,
        weight: Option<i64>,
        extra: HashMap<String, u32>,
        body: Arc<Body>,
        score: f64,
    }

    #[derive(Facet, Clone)]
    struct Body {
        html: String,
    }

    #[derive(Facet, Clone)]
    struct Count {
        n: u64,
    }

    #[derive(Facet, Clone)]
    #[repr(u8)]
    #[allow(dead_code)] // variants are built in tests through clones only
    enum Node {
        Leaf(u32),
        Pair { left: u32, right: String },
    }

    fn page() -> Page {
        Page {
            title: "t".into(),
            tags: vec!["a".into(), "b".into()],
            weight: Some(3),
            extra: (0..20).map(|i| (format!("k{i}"), i)).collect(),
            body: Arc::new(Body { html: "<p>x</p>".into() }),
            score: f64::NAN,
        }
    }

    #[test]
    fn structs_without_partial_eq_compare_field_by_field() {
        let a = page();
        let mut b = page(); // separate Arc, separately built HashMap (other iteration order)
        assert!(deep_eq(&a, &b));
        b.body = Arc::new(Body { html: "<p>y</p>".into() });
        assert!(!deep_eq(&a, &b));
        let mut c = page();
        c.extra.insert("k3".into(), 99);
        assert!(!deep_eq(&a, &c));
        let mut d = page();
        d.tags.push("c".into());
        assert!(!deep_eq(&a, &d));
        let mut e = page();
        e.weight = None;
        assert!(!deep_eq(&a, &e));
    }

    #[test]
    fn options_of_structs_without_partial_eq_compare_their_contents() {
        // What an input compares on every write: `Option<V>`. `Option` is an enum to facet
        // too, but its variants expose no fields; it must be compared as an `Option`.
        let a = Some(Body { html: "a".into() });
        assert!(deep_eq(&a, &Some(Body { html: "a".into() })));
        assert!(!deep_eq(&a, &Some(Body { html: "b".into() })));
        assert!(!deep_eq(&a, &None));
        assert!(!deep_eq(
            &Ok::<Body, u8>(Body { html: "a".into() }),
            &Ok(Body { html: "b".into() })
        ));
        // Without a niche, `Option` has a tag of its own.
        let count = Some(Count { n: 1 });
        assert!(deep_eq(&count, &Some(Count { n: 1 })));
        assert!(!deep_eq(&count, &Some(Count { n: 2 })));
        assert!(!deep_eq(&count, &None));
    }

    #[test]
    fn enums_compare_variant_then_fields() {
        let a = Node::Pair { left: 1, right: "r".into() };
        assert!(deep_eq(&a, &a.clone()));
        assert!(!deep_eq(&a, &Node::Pair { left: 1, right: "s".into() }));
        assert!(!deep_eq(&a, &Node::Leaf(1)));
    }

    #[test]
    fn floats_compare_by_bits() {
        assert!(deep_eq(&f64::NAN, &f64::NAN));
        assert!(!deep_eq(&0.0f64, &-0.0f64));
        assert!(deep_eq(&1.5f32, &1.5f32));
    }

    #[test]
    fn standard_containers_compare_by_content() {
        let a: BTreeMap<u32, Vec<u8>> = [(1, vec![1]), (2, vec![2, 2])].into();
        assert!(deep_eq(&a, &a.clone()));
        let s1: HashSet<String> = ["x".to_string(), "y".to_string()].into();
        let s2: HashSet<String> = ["y".to_string(), "x".to_string()].into();
        assert!(deep_eq(&s1, &s2));
        assert!(deep_eq(&(1u8, "a".to_string()), &(1u8, "a".to_string())));
        assert!(!deep_eq(&(1u8, "a".to_string()), &(1u8, "b".to_string())));
        assert!(deep_eq(&Arc::new(vec![1u64]), &Arc::new(vec![1u64])));
    }
}
