//! 128-bit multiplication and division built only from 64-bit machine operations.
//!
//! Why this exists: on SBF every `u128` multiply or divide becomes a call to a compiler
//! builtin (`__multi3`, `__udivti3`), and the generic builtins work one bit at a time, costing
//! hundreds of compute units per division. The stake pool's money math only ever divides a
//! 128-bit product by a 64-bit value, which long division on 32-bit digits (Knuth's
//! algorithm D, two steps) does in a few dozen instructions.
//!
//! The module also provides the bodies behind the i128 builtins that the LLVM-IR shim
//! (`programs/p-stake-pool/sbf/i128shim.ll`) defines for SBF builds, so any `u128` arithmetic
//! that does reach a builtin is both correct (right ABI) and fast.
#![no_std]
#![deny(clippy::arithmetic_side_effects)]

const DIGIT_BITS: u32 = 32;
const DIGIT_BASE: u64 = 1 << DIGIT_BITS;
const DIGIT_MASK: u64 = DIGIT_BASE - 1;

/// Full 128-bit product of two u64 values.
#[inline(always)]
pub fn widening_mul(a: u64, b: u64) -> u128 {
    let (lo, hi) = mul_64x64(a, b);
    join(lo, hi)
}

#[inline(always)]
fn join(lo: u64, hi: u64) -> u128 {
    ((hi as u128) << 64) | lo as u128
}

/// (low, high) words of a * b, from four 32x32-bit partial products.
#[inline(always)]
fn mul_64x64(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a & DIGIT_MASK, a >> DIGIT_BITS);
    let (b0, b1) = (b & DIGIT_MASK, b >> DIGIT_BITS);
    // black_box keeps LLVM from recognising the long multiplication and folding it back
    // into a 128-bit multiply, which would lower into a `__multi3` call (and recurse).
    let p00 = core::hint::black_box(a0.wrapping_mul(b0));
    let p01 = core::hint::black_box(a0.wrapping_mul(b1));
    let p10 = core::hint::black_box(a1.wrapping_mul(b0));
    let p11 = a1.wrapping_mul(b1);
    // Each partial product is < 2^64 and the sums below cannot overflow: mid < 3 * 2^32.
    let mid = (p00 >> DIGIT_BITS)
        .wrapping_add(p01 & DIGIT_MASK)
        .wrapping_add(p10 & DIGIT_MASK);
    let lo = (p00 & DIGIT_MASK) | (mid << DIGIT_BITS);
    let hi = p11
        .wrapping_add(p01 >> DIGIT_BITS)
        .wrapping_add(p10 >> DIGIT_BITS)
        .wrapping_add(mid >> DIGIT_BITS);
    (lo, hi)
}

/// Divides the 128-bit value `high:low` by `divisor`, where `high < divisor`, so the quotient
/// fits in 64 bits. Knuth's algorithm D with 32-bit digits (Hacker's Delight `divlu`).
#[inline(always)]
fn div_two_words_by_word(high: u64, low: u64, divisor: u64) -> (u64, u64) {
    debug_assert!(high < divisor);
    // Normalise so the divisor's top bit is set; the quotient digit estimates are then
    // off by at most 2.
    let shift = divisor.leading_zeros();
    let divisor = divisor << shift;
    let divisor_high = divisor >> DIGIT_BITS;
    let divisor_low = divisor & DIGIT_MASK;
    let numerator_high = if shift == 0 {
        high
    } else {
        (high << shift) | (low >> (64u32.wrapping_sub(shift)))
    };
    let numerator_low = low << shift;
    let digit1 = numerator_low >> DIGIT_BITS;
    let digit0 = numerator_low & DIGIT_MASK;

    let (quotient1, remainder1) =
        quotient_digit(numerator_high, digit1, divisor, divisor_high, divisor_low);
    let (quotient0, remainder0) =
        quotient_digit(remainder1, digit0, divisor, divisor_high, divisor_low);
    ((quotient1 << DIGIT_BITS) | quotient0, remainder0 >> shift)
}

/// One step of algorithm D: divides `partial * 2^32 + digit` by the normalised divisor,
/// returning a 32-bit quotient digit and the remainder.
#[inline(always)]
fn quotient_digit(
    partial: u64,
    digit: u64,
    divisor: u64,
    divisor_high: u64,
    divisor_low: u64,
) -> (u64, u64) {
    // The divisor is normalized (top bit set), so `divisor_high` is never zero.
    #[allow(clippy::arithmetic_side_effects)]
    let mut quotient = partial / divisor_high;
    let mut remainder_hat = partial.wrapping_sub(quotient.wrapping_mul(divisor_high));
    while quotient >= DIGIT_BASE
        || quotient.wrapping_mul(divisor_low) > (remainder_hat << DIGIT_BITS).wrapping_add(digit)
    {
        quotient = quotient.wrapping_sub(1);
        remainder_hat = remainder_hat.wrapping_add(divisor_high);
        if remainder_hat >= DIGIT_BASE {
            break;
        }
    }
    // The true remainder is < divisor, so the wrapping arithmetic lands exactly on it.
    let remainder = (partial << DIGIT_BITS)
        .wrapping_add(digit)
        .wrapping_sub(quotient.wrapping_mul(divisor));
    (quotient, remainder)
}

/// Quotient and remainder of a 128-bit value divided by a 64-bit value; `None` when the
/// divisor is zero.
#[inline]
// The divisions below run only after the zero check; plain operators rather than `checked_*`
// because the checked forms cost ~18 CU more per withdrawal on SBF.
#[allow(clippy::arithmetic_side_effects)]
pub fn div_rem_u128_by_u64(numerator: u128, divisor: u64) -> Option<(u128, u64)> {
    if divisor == 0 {
        return None;
    }
    let high = (numerator >> 64) as u64;
    let low = numerator as u64;
    if high == 0 {
        return Some(((low / divisor) as u128, low % divisor));
    }
    let quotient_high = high / divisor;
    let (quotient_low, remainder) = div_two_words_by_word(high % divisor, low, divisor);
    Some((join(quotient_low, quotient_high), remainder))
}

/// floor(a * b / divisor), or `None` if the divisor is zero or the result exceeds u64.
#[inline]
pub fn mul_div_floor(a: u64, b: u64, divisor: u64) -> Option<u64> {
    let (quotient, _) = div_rem_u128_by_u64(widening_mul(a, b), divisor)?;
    u64::try_from(quotient).ok()
}

/// ceil(a * b / divisor), or `None` if the divisor is zero or the result exceeds u64.
#[inline]
pub fn mul_div_ceil(a: u64, b: u64, divisor: u64) -> Option<u64> {
    let (quotient, remainder) = div_rem_u128_by_u64(widening_mul(a, b), divisor)?;
    let quotient = u64::try_from(quotient).ok()?;
    if remainder == 0 {
        Some(quotient)
    } else {
        quotient.checked_add(1)
    }
}

/// a * b for a 128-bit `a` and 64-bit `b`, or `None` when the product exceeds 128 bits.
#[inline]
pub fn checked_mul_wide(a: u128, b: u64) -> Option<u128> {
    let low_product = widening_mul(a as u64, b);
    let high_product = widening_mul((a >> 64) as u64, b);
    if (high_product >> 64) != 0 {
        return None;
    }
    low_product.checked_add(high_product << 64)
}

/// General unsigned 128-bit division, used by the SBF builtins shim.
pub fn div_rem_u128(numerator: u128, divisor: u128) -> (u128, u128) {
    let divisor_high = (divisor >> 64) as u64;
    if divisor_high == 0 {
        return match div_rem_u128_by_u64(numerator, divisor as u64) {
            Some((quotient, remainder)) => (quotient, remainder as u128),
            // Rust checks for division by zero before reaching a builtin; mimic a trap value.
            None => (u128::MAX, numerator),
        };
    }
    if divisor > numerator {
        return (0, numerator);
    }
    // Divisor >= 2^64, so the quotient is < 2^64: at most 64 shift-subtract steps, and only
    // for the (never used by the pool) case of a divisor wider than 64 bits.
    let shift = divisor
        .leading_zeros()
        .wrapping_sub(numerator.leading_zeros());
    let mut shifted = divisor << shift;
    let mut quotient: u128 = 0;
    let mut remainder = numerator;
    let mut step = 0u32;
    while step <= shift {
        quotient <<= 1;
        if remainder >= shifted {
            remainder = remainder.wrapping_sub(shifted);
            quotient |= 1;
        }
        shifted >>= 1;
        step = step.wrapping_add(1);
    }
    (quotient, remainder)
}

/// Bodies for the i128 builtins defined by the IR shim on SBF (see the module docs).
#[cfg(target_os = "solana")]
mod sbf_builtins {
    use super::*;

    /// High 64 bits of the low 128 bits of (ahi:alo) * (bhi:blo).
    #[no_mangle]
    #[inline(never)]
    pub extern "C" fn __sbf_mul128_hi(alo: u64, ahi: u64, blo: u64, bhi: u64) -> u64 {
        let (_, high) = mul_64x64(alo, blo);
        high.wrapping_add(alo.wrapping_mul(bhi))
            .wrapping_add(ahi.wrapping_mul(blo))
    }

    /// out[0..4] = quotient low, quotient high, remainder low, remainder high.
    ///
    /// # Safety
    /// `out` points to four writable u64 values (the shim passes a stack buffer).
    #[no_mangle]
    pub unsafe extern "C" fn __sbf_udivmod128(
        nlo: u64,
        nhi: u64,
        dlo: u64,
        dhi: u64,
        out: *mut u64,
    ) {
        let (quotient, remainder) = div_rem_u128(join(nlo, nhi), join(dlo, dhi));
        // SAFETY: the shim's caller provides a four-element buffer.
        unsafe {
            *out = quotient as u64;
            *out.add(1) = (quotient >> 64) as u64;
            *out.add(2) = remainder as u64;
            *out.add(3) = (remainder >> 64) as u64;
        }
    }

    /// Signed variant: quotient truncates toward zero, remainder takes the numerator's sign.
    ///
    /// # Safety
    /// `out` points to four writable u64 values (the shim passes a stack buffer).
    #[no_mangle]
    pub unsafe extern "C" fn __sbf_sdivmod128(
        nlo: u64,
        nhi: u64,
        dlo: u64,
        dhi: u64,
        out: *mut u64,
    ) {
        let numerator = join(nlo, nhi) as i128;
        let divisor = join(dlo, dhi) as i128;
        let (quotient, remainder) = div_rem_u128(numerator.unsigned_abs(), divisor.unsigned_abs());
        let quotient = if (numerator < 0) != (divisor < 0) {
            (quotient as i128).wrapping_neg()
        } else {
            quotient as i128
        } as u128;
        let remainder = if numerator < 0 {
            (remainder as i128).wrapping_neg()
        } else {
            remainder as i128
        } as u128;
        // SAFETY: the shim's caller provides a four-element buffer.
        unsafe {
            *out = quotient as u64;
            *out.add(1) = (quotient >> 64) as u64;
            *out.add(2) = remainder as u64;
            *out.add(3) = (remainder >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    /// xorshift64*: a dependency-free generator for the bulk comparison below.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        /// Values spread over every magnitude, with extra weight on edges.
        fn interesting(&mut self) -> u64 {
            let raw = self.next();
            match raw % 8 {
                0 => u64::MAX - (raw >> 60),
                1 => (raw >> 3) & 0xffff,
                2 => 1u64 << (raw >> 58),
                3 => (1u64 << (raw >> 58)).wrapping_sub(1),
                4 => raw >> (raw % 64),
                _ => raw,
            }
        }
    }

    #[test]
    fn division_matches_native_u128_on_two_million_cases() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2_000_000 {
            let numerator = ((rng.interesting() as u128) << 64) | rng.interesting() as u128;
            let divisor = rng.interesting().max(1);
            let (quotient, remainder) = div_rem_u128_by_u64(numerator, divisor).unwrap();
            assert_eq!(
                quotient,
                numerator / divisor as u128,
                "{numerator} / {divisor}"
            );
            assert_eq!(remainder as u128, numerator % divisor as u128);
        }
    }

    #[test]
    fn multiplication_matches_native_u128_on_a_million_cases() {
        let mut rng = Rng(7);
        for _ in 0..1_000_000 {
            let (a, b) = (rng.interesting(), rng.interesting());
            assert_eq!(widening_mul(a, b), a as u128 * b as u128);
        }
    }

    #[test]
    fn edge_cases() {
        let edges = [
            0u64,
            1,
            2,
            3,
            u32::MAX as u64,
            1 << 32,
            (1 << 32) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &a in &edges {
            for &b in &edges {
                for &d in &edges {
                    let expected = (a as u128 * b as u128).checked_div(d as u128);
                    let floor = mul_div_floor(a, b, d);
                    assert_eq!(floor, expected.and_then(|q| u64::try_from(q).ok()));
                    let ceil = mul_div_ceil(a, b, d);
                    let expected_ceil =
                        (d != 0).then(|| (a as u128 * b as u128).div_ceil(d as u128));
                    assert_eq!(ceil, expected_ceil.and_then(|q| u64::try_from(q).ok()));
                }
            }
        }
        assert_eq!(div_rem_u128_by_u64(123, 0), None);
    }

    proptest! {
        #[test]
        fn checked_mul_wide_matches_native(a: u128, b: u64) {
            prop_assert_eq!(checked_mul_wide(a, b), a.checked_mul(b as u128));
        }

        #[test]
        fn general_division_matches_native(n: u128, d in 1u128..) {
            prop_assert_eq!(div_rem_u128(n, d), (n / d, n % d));
        }
    }
}
