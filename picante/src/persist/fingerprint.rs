//! A fingerprint of a key or value type, from its facet `Shape`: the type's name and, through
//! its structure, every field's name and type, every variant's, every element's. A program
//! that changes a persisted type (a field added, renamed or retyped) gets another fingerprint,
//! and the loader drops that ingredient's section instead of decoding old bytes as the new
//! type. Type identities (`TypeId`) are not used: they are not stable across builds.

use facet::{Def, Shape, Type, UserType};

/// The fingerprint of `shapes`, in order (an ingredient's key and value types).
pub(crate) fn of(shapes: &[&'static Shape]) -> u64 {
    let mut hasher = blake3::Hasher::new();
    let mut seen: Vec<*const Shape> = Vec::new();
    for shape in shapes {
        walk(shape, &mut hasher, &mut seen);
    }
    let hash = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(first)
}

fn text(hasher: &mut blake3::Hasher, text: &str) {
    hasher.update(&(text.len() as u32).to_le_bytes());
    hasher.update(text.as_bytes());
}

fn walk(shape: &'static Shape, hasher: &mut blake3::Hasher, seen: &mut Vec<*const Shape>) {
    text(hasher, shape.type_identifier);
    // A recursive type reaches itself: its name stands for it the second time.
    if seen.contains(&(shape as *const Shape)) {
        text(hasher, "<again>");
        return;
    }
    seen.push(shape);
    for param in shape.type_params {
        text(hasher, param.name);
        walk(param.shape, hasher, seen);
    }
    match shape.ty {
        Type::User(UserType::Struct(fields)) => {
            text(hasher, "struct");
            for field in fields.fields {
                text(hasher, field.name);
                walk(field.shape(), hasher, seen);
            }
        }
        Type::User(UserType::Enum(enumeration)) => {
            text(hasher, "enum");
            for variant in enumeration.variants {
                text(hasher, variant.name);
                for field in variant.data.fields {
                    text(hasher, field.name);
                    walk(field.shape(), hasher, seen);
                }
            }
        }
        _ => {}
    }
    match shape.def {
        Def::List(list) => walk(list.t(), hasher, seen),
        Def::Array(array) => {
            hasher.update(&(array.n as u64).to_le_bytes());
            walk(array.t(), hasher, seen);
        }
        Def::Slice(slice) => walk(slice.t(), hasher, seen),
        Def::Set(set) => walk(set.t(), hasher, seen),
        Def::Option(option) => walk(option.t(), hasher, seen),
        Def::Map(map) => {
            walk(map.k(), hasher, seen);
            walk(map.v(), hasher, seen);
        }
        Def::Pointer(pointer) => {
            if let Some(pointee) = pointer.pointee() {
                walk(pointee, hasher, seen);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use facet::Facet;

    #[derive(Facet)]
    struct Before {
        title: String,
        weight: u32,
    }

    #[derive(Facet)]
    struct Renamed {
        title: String,
        rank: u32,
    }

    #[derive(Facet)]
    struct Retyped {
        title: String,
        weight: u64,
    }

    #[derive(Facet)]
    struct List {
        items: Vec<List>,
    }

    #[test]
    fn a_change_to_a_field_changes_the_fingerprint_and_nothing_else_does() {
        let before = of(&[String::SHAPE, Before::SHAPE]);
        assert_eq!(before, of(&[String::SHAPE, Before::SHAPE]), "stable");
        assert_ne!(before, of(&[String::SHAPE, Renamed::SHAPE]), "a field renamed");
        assert_ne!(before, of(&[String::SHAPE, Retyped::SHAPE]), "a field retyped");
        assert_ne!(before, of(&[u32::SHAPE, Before::SHAPE]), "the key type changed");
        assert_ne!(of(&[<Vec<u32>>::SHAPE]), of(&[<Vec<u64>>::SHAPE]), "an element type");
        assert_ne!(
            of(&[<std::sync::Arc<Before>>::SHAPE]),
            of(&[<std::sync::Arc<Retyped>>::SHAPE]),
            "behind a pointer"
        );
    }

    #[test]
    fn a_recursive_type_has_a_fingerprint() {
        assert_eq!(of(&[List::SHAPE]), of(&[List::SHAPE]));
    }
}
