//! SHA-2 (FIPS 180-4: SHA-256, SHA-384, SHA-512) for Zola's `get_hash` and
//! `get_url(cachebust=true)`, which the host asks of this cell (`template::Service::digest`)
//! so that it links no hashing library of its own.
//!
//! Written here from the standard rather than taken from a crate: the three functions are the
//! two compression functions below, about a hundred lines with their constants, checked
//! against the standard's examples and known digests (the tests). Speed does not matter: a
//! file is hashed once per change (the host keeps the digest), and a theme hashes a few
//! stylesheets and scripts.
//!
//! The constants are the standard's: the first 32 or 64 bits of the fractional parts of the
//! cube roots of the first 64 or 80 primes (`K256`, `K512`), and of the square roots of the
//! first eight primes (`H256`, `H512`) and of the ninth to sixteenth (`H384`).

const K256: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const K512: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];
const H256: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const H384: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];
const H512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// A SHA-2 function, by its size in bits, as `get_hash(sha_type=…)` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sha2 {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Sha2 {
    /// The function of `bits` (256, 384 or 512).
    pub fn of_bits(bits: u16) -> Option<Sha2> {
        match bits {
            256 => Some(Sha2::Sha256),
            384 => Some(Sha2::Sha384),
            512 => Some(Sha2::Sha512),
            _ => None,
        }
    }

    /// The digest of `bytes`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cell_template::digest::Sha2;
    /// let digest = Sha2::Sha256.digest(b"abc");
    /// assert_eq!(digest[..4], [0xba, 0x78, 0x16, 0xbf]);
    /// assert_eq!(Sha2::Sha384.digest(b"").len(), 48);
    /// ```
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Sha2::Sha256 => {
                let state = hash(bytes, H256, compress256);
                state.iter().flat_map(|word| word.to_be_bytes()).collect()
            }
            Sha2::Sha384 | Sha2::Sha512 => {
                let (iv, len) = if self == Sha2::Sha384 { (H384, 48) } else { (H512, 64) };
                let state = hash(bytes, iv, compress512);
                let mut digest: Vec<u8> =
                    state.iter().flat_map(|word| word.to_be_bytes()).collect();
                digest.truncate(len);
                digest
            }
        }
    }
}

/// A word of the state: `u32` for SHA-256, `u64` for SHA-384 and SHA-512.
trait Word: Copy {
    /// Bytes in a block: 16 words.
    const BLOCK: usize;
    /// Bytes of the message's length in bits at the end of the padding: 2 words.
    const LENGTH: usize;
}

impl Word for u32 {
    const BLOCK: usize = 64;
    const LENGTH: usize = 8;
}

impl Word for u64 {
    const BLOCK: usize = 128;
    const LENGTH: usize = 16;
}

/// The final state after `bytes`, padded as the standard says (a `1` bit, zeros, the length
/// in bits), from the initial state `iv`.
fn hash<W: Word>(bytes: &[u8], iv: [W; 8], compress: fn(&mut [W; 8], &[u8])) -> [W; 8] {
    let mut state = iv;
    let mut blocks = bytes.chunks_exact(W::BLOCK);
    for block in &mut blocks {
        compress(&mut state, block);
    }
    let mut tail = blocks.remainder().to_vec();
    tail.push(0x80);
    while (tail.len() + W::LENGTH) % W::BLOCK != 0 {
        tail.push(0);
    }
    let bits = (bytes.len() as u128) * 8;
    tail.extend_from_slice(&bits.to_be_bytes()[16 - W::LENGTH..]);
    for block in tail.chunks_exact(W::BLOCK) {
        compress(&mut state, block);
    }
    state
}

/// One block of SHA-256 or SHA-512: the same steps over words of either size, with their
/// own rotation amounts and round constants.
macro_rules! compress {
    ($name:ident, $word:ty, $k:expr, [$s0a:expr, $s0b:expr, $s0c:expr], [$s1a:expr, $s1b:expr, $s1c:expr],
     [$g0a:expr, $g0b:expr, $g0c:expr], [$g1a:expr, $g1b:expr, $g1c:expr]) => {
        fn $name(state: &mut [$word; 8], block: &[u8]) {
            const BYTES: usize = std::mem::size_of::<$word>();
            let k = &$k;
            let mut w = [0 as $word; $k.len()];
            for (word, bytes) in w.iter_mut().zip(block.chunks_exact(BYTES)) {
                let mut be = [0u8; BYTES];
                be.copy_from_slice(bytes);
                *word = <$word>::from_be_bytes(be);
            }
            for i in 16..w.len() {
                let (x, y) = (w[i - 15], w[i - 2]);
                let small0 = x.rotate_right($g0a) ^ x.rotate_right($g0b) ^ (x >> $g0c);
                let small1 = y.rotate_right($g1a) ^ y.rotate_right($g1b) ^ (y >> $g1c);
                w[i] = w[i - 16].wrapping_add(small0).wrapping_add(w[i - 7]).wrapping_add(small1);
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
            for (k, w) in k.iter().zip(w) {
                let big1 = e.rotate_right($s1a) ^ e.rotate_right($s1b) ^ e.rotate_right($s1c);
                let choice = (e & f) ^ (!e & g);
                let t1 = h.wrapping_add(big1).wrapping_add(choice).wrapping_add(*k).wrapping_add(w);
                let big0 = a.rotate_right($s0a) ^ a.rotate_right($s0b) ^ a.rotate_right($s0c);
                let majority = (a & b) ^ (a & c) ^ (b & c);
                let t2 = big0.wrapping_add(majority);
                (h, g, f, e) = (g, f, e, d.wrapping_add(t1));
                (d, c, b, a) = (c, b, a, t1.wrapping_add(t2));
            }
            for (word, add) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
                *word = word.wrapping_add(add);
            }
        }
    };
}

compress!(compress256, u32, K256, [2, 13, 22], [6, 11, 25], [7, 18, 3], [17, 19, 10]);
compress!(compress512, u64, K512, [28, 34, 39], [14, 18, 41], [1, 8, 7], [19, 61, 6]);

/// `digest` as Zola prints it: lower-case hex, or standard base64 with padding.
pub fn encode(digest: &[u8], base64: bool) -> String {
    if base64 {
        crate::filters::base64_encode(digest)
    } else {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages of `a`s around the block sizes (55, 56: SHA-256's padding takes a second
    /// block; 111, 112: SHA-512's), with the first 16 hex digits of their digests (Python's
    /// `hashlib`).
    const LENGTHS: &[(usize, &str, &str)] = &[
        (55, "9f4390f8d30c2dd9", "b0220c772cbf6c18"),
        (56, "b35439a4ac6f0948", "962b64aae357d2a4"),
        (63, "7d3e74a05d7db15b", "c1b0f5c6d3b03dfe"),
        (64, "ffe054fe7ae0cb6d", "01d35c10c6c38c2d"),
        (65, "635361c48bb9eab1", "b83086cd8494e557"),
        (111, "6374f73208854473", "fa9121c7b32b9e01"),
        (112, "f54353008a255326", "c01d080efd492776"),
        (119, "31eba51c313a5c08", "130396a75cb483f2"),
        (127, "c57e9278af78fa3c", "828613968b501dc0"),
        (128, "6836cf13bac400e9", "b73d1929aa615934"),
        (129, "c12cb024a2e5551c", "4f681e0bd53cda4b"),
        (1000, "41edece42d63e8d9", "67ba5535a46e3f86"),
    ];

    fn hex(sha: Sha2, bytes: &[u8]) -> String {
        encode(&sha.digest(bytes), false)
    }

    #[test]
    fn digests_match_the_standard_s_examples() {
        // FIPS 180-4's examples ("abc", and the two-block messages).
        assert_eq!(
            hex(Sha2::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(Sha2::Sha256, b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(Sha2::Sha384, b"abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hex(Sha2::Sha512, b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        let two_blocks: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        assert_eq!(
            hex(Sha2::Sha512, two_blocks),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018\
             501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"
        );
    }

    #[test]
    fn padding_is_right_at_every_length_around_a_block() {
        // The empty message, and lengths where the padding needs one more block.
        assert_eq!(
            hex(Sha2::Sha256, b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for (len, sha256, sha512) in LENGTHS {
            let bytes = vec![b'a'; *len];
            assert_eq!(hex(Sha2::Sha256, &bytes)[..16], **sha256, "sha256 of {len} bytes");
            assert_eq!(hex(Sha2::Sha512, &bytes)[..16], **sha512, "sha512 of {len} bytes");
        }
    }

    #[test]
    fn zola_s_examples_print_as_zola_prints_them() {
        // `get_hash(literal="hello", sha_type=256, base64=false)` and the default (384, base64).
        assert_eq!(
            encode(&Sha2::Sha256.digest(b"hello"), false),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            encode(&Sha2::Sha384.digest(b"hello"), true),
            "WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"
        );
        assert_eq!(Sha2::of_bits(224), None);
    }
}
