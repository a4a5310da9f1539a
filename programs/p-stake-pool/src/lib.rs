//! p-stake-pool: a zero-copy, `no_std` stake pool program on pinocchio, byte-compatible with
//! the SPL stake pool interface (instructions, accounts, layouts, PDA seeds, error codes).
//!
//! Layout: `entrypoint` dispatches on the instruction tag; `instruction/` holds one file per
//! instruction; `state/` the zero-copy account views; `cpi/` the instructions sent to other
//! programs; `math` the exchange-rate and fee arithmetic; `pda` address derivation.
#![no_std]

pub mod cpi;
/// Error codes, program ids and money math live in the interface crate: one definition for the program,
/// its clients and CPI callers.
pub use p_stake_pool_interface::{error, ids, math};
pub mod entrypoint;
pub mod instruction;
pub mod pda;
pub mod state;
pub mod sysvar;

#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;
// Links the bodies of the i128 builtins that the SBF build's IR shim calls.
use wide_math as _;

/// Writes a message to the program log (only on-chain; a no-op in host builds).
#[inline(always)]
pub fn log(message: &str) {
    #[cfg(target_os = "solana")]
    // SAFETY: the syscall reads `len` bytes from a valid string slice.
    unsafe {
        pinocchio::syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }
    #[cfg(not(target_os = "solana"))]
    let _ = message;
}

/// Contact and source information for security researchers, embedded in the binary in the
/// `security.txt` format explorers read. Not filled: `encryption` (reports go through GitHub's
/// private advisories, no PGP key) and `source_revision` (a commit id in the bytes would make
/// every commit a different binary; `source_release` names the tagged release).
#[cfg(target_os = "solana")]
#[no_mangle]
#[used]
#[link_section = ".security.txt"]
pub static security_txt: &str = concat!(
    "=======BEGIN SECURITY.TXT V1=======\0",
    "name\0p-stake-pool\0",
    "project_url\0https://github.com/p-stake-pool/p-stake-pool\0",
    "contacts\0link:https://github.com/p-stake-pool/p-stake-pool/security/advisories/new\0",
    "policy\0https://github.com/p-stake-pool/p-stake-pool/blob/main/SECURITY.md\0",
    "preferred_languages\0en\0",
    "source_code\0https://github.com/p-stake-pool/p-stake-pool\0",
    "source_release\0v",
    env!("CARGO_PKG_VERSION"),
    "\0",
    "auditors\0None\0",
    "acknowledgements\0https://github.com/p-stake-pool/p-stake-pool/blob/main/SECURITY.md#acknowledgements\0",
    "expiry\02027-12-31\0",
    "=======END SECURITY.TXT V1=======\0"
);
