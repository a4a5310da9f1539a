//! Addresses of the programs and sysvars the pool talks to (checked against the SDK's ids in
//! the test suite).

use solana_address::Address;

/// `11111111111111111111111111111111`
pub const SYSTEM_PROGRAM: Address = Address::new_from_array([0; 32]);
/// `Stake11111111111111111111111111111111111111`
pub const STAKE_PROGRAM: Address = Address::new_from_array([
    6, 161, 216, 23, 145, 55, 84, 42, 152, 52, 55, 189, 254, 42, 122, 178, 85, 127, 83, 92, 138,
    120, 114, 43, 104, 164, 157, 192, 0, 0, 0, 0,
]);
/// `TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`
pub const TOKEN_PROGRAM: Address = Address::new_from_array([
    6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172, 28, 180, 133, 237,
    95, 91, 55, 145, 58, 140, 245, 133, 126, 255, 0, 169,
]);
/// `TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`
pub const TOKEN_2022_PROGRAM: Address = Address::new_from_array([
    6, 221, 246, 225, 238, 117, 143, 222, 24, 66, 93, 188, 228, 108, 205, 218, 182, 26, 252, 77,
    131, 185, 13, 39, 254, 189, 249, 40, 216, 161, 139, 252,
]);
/// `SysvarC1ock11111111111111111111111111111111`
pub const CLOCK_SYSVAR: Address = Address::new_from_array([
    6, 167, 213, 23, 24, 199, 116, 201, 40, 86, 99, 152, 105, 29, 94, 182, 139, 94, 184, 163, 155,
    75, 109, 92, 115, 85, 91, 33, 0, 0, 0, 0,
]);
/// `SysvarStakeHistory1111111111111111111111111`
pub const STAKE_HISTORY_SYSVAR: Address = Address::new_from_array([
    6, 167, 213, 23, 25, 53, 132, 208, 254, 237, 155, 179, 67, 29, 19, 32, 107, 229, 68, 40, 27,
    87, 184, 86, 108, 197, 55, 95, 244, 0, 0, 0,
]);
/// `SysvarEpochRewards1111111111111111111111111`
pub const EPOCH_REWARDS_SYSVAR: Address = Address::new_from_array([
    6, 167, 213, 23, 24, 220, 63, 238, 2, 165, 88, 191, 131, 206, 102, 225, 68, 66, 42, 28, 52,
    149, 11, 39, 193, 134, 155, 90, 156, 0, 0, 0,
]);
/// `Sysvar1111111111111111111111111111111111111`: the owner of every sysvar account.
pub const SYSVAR_OWNER: Address = Address::new_from_array([
    6, 167, 213, 23, 24, 117, 247, 41, 199, 61, 147, 64, 143, 33, 97, 32, 6, 126, 216, 140, 118,
    224, 140, 40, 127, 193, 148, 96, 0, 0, 0, 0,
]);
/// `SysvarRent111111111111111111111111111111111`
pub const RENT_SYSVAR: Address = Address::new_from_array([
    6, 167, 213, 23, 25, 44, 92, 81, 33, 140, 201, 76, 61, 74, 241, 127, 88, 218, 238, 8, 155, 161,
    253, 68, 227, 219, 217, 138, 0, 0, 0, 0,
]);
/// `metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s` (Metaplex token metadata)
pub const MPL_TOKEN_METADATA_PROGRAM: Address = Address::new_from_array([
    11, 112, 101, 177, 227, 209, 124, 69, 56, 157, 82, 127, 107, 4, 195, 205, 88, 184, 108, 115,
    26, 160, 253, 181, 73, 182, 209, 188, 3, 248, 41, 70,
]);

/// `3RhSDGkhgg6rqD1ccgEKfnYPb7pXhvCyWyGTFhhKxvvw`: where this project deploys the pool program
/// (`Anchor.toml`, the test banks). The program itself runs at whatever address it is deployed
/// to; a program that calls it pins the deployment it trusts — this one, or its own — and
/// never a program id its caller names (see the `cpi` module).
pub const P_STAKE_POOL_PROGRAM: Address = Address::new_from_array([
    36, 11, 8, 108, 229, 255, 16, 113, 10, 70, 112, 60, 151, 123, 184, 185, 213, 222, 248, 130,
    184, 96, 169, 40, 140, 133, 226, 44, 171, 117, 228, 100,
]);

/// Pools may issue their token through SPL Token or Token-2022, nothing else.
#[inline(always)]
pub fn is_supported_token_program(program_id: &Address) -> bool {
    *program_id == TOKEN_PROGRAM || *program_id == TOKEN_2022_PROGRAM
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;

    /// Decodes a base58 address, so the byte arrays above are checked against their names.
    fn base58(text: &str) -> [u8; 32] {
        const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        let mut bytes = [0u8; 32];
        for character in text.bytes() {
            let mut carry = ALPHABET.iter().position(|&c| c == character).unwrap() as u32;
            for byte in bytes.iter_mut().rev() {
                carry += (*byte as u32) * 58;
                *byte = (carry & 0xff) as u8;
                carry >>= 8;
            }
            assert_eq!(carry, 0);
        }
        bytes
    }

    #[test]
    fn ids_match_their_base58_names() {
        for (address, name) in [
            (SYSTEM_PROGRAM, "11111111111111111111111111111111"),
            (STAKE_PROGRAM, "Stake11111111111111111111111111111111111111"),
            (TOKEN_PROGRAM, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
            (
                TOKEN_2022_PROGRAM,
                "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
            ),
            (CLOCK_SYSVAR, "SysvarC1ock11111111111111111111111111111111"),
            (
                STAKE_HISTORY_SYSVAR,
                "SysvarStakeHistory1111111111111111111111111",
            ),
            (
                EPOCH_REWARDS_SYSVAR,
                "SysvarEpochRewards1111111111111111111111111",
            ),
            (RENT_SYSVAR, "SysvarRent111111111111111111111111111111111"),
            (SYSVAR_OWNER, "Sysvar1111111111111111111111111111111111111"),
            (
                P_STAKE_POOL_PROGRAM,
                "3RhSDGkhgg6rqD1ccgEKfnYPb7pXhvCyWyGTFhhKxvvw",
            ),
            (
                MPL_TOKEN_METADATA_PROGRAM,
                "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s",
            ),
        ] {
            assert_eq!(address.to_bytes(), base58(name), "{name}");
        }
    }
}
