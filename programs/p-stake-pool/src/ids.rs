//! Addresses of the programs and sysvars the pool talks to (checked against the SDK's ids in
//! the test suite).

use pinocchio::Address;

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
/// `SysvarRent111111111111111111111111111111111`
pub const RENT_SYSVAR: Address = Address::new_from_array([
    6, 167, 213, 23, 25, 44, 92, 81, 33, 140, 201, 76, 61, 74, 241, 127, 88, 218, 238, 8, 155, 161,
    253, 68, 227, 219, 217, 138, 0, 0, 0, 0,
]);

/// Pools may issue their token through SPL Token or Token-2022, nothing else.
#[inline(always)]
pub fn is_supported_token_program(program_id: &Address) -> bool {
    *program_id == TOKEN_PROGRAM || *program_id == TOKEN_2022_PROGRAM
}
