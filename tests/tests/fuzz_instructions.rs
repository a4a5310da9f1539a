//! The instruction surface of the `.so` under random input, in a bank that keeps its state
//! and lets epochs pass (the coverage-guided fuzzer in `fuzz/` runs the same templates from a
//! fixed snapshot, much faster). From the live pool of `tests/src/fuzz.rs` (a validator with
//! active stake, users holding tokens, an unstake ticket), every instruction the program
//! knows — and tags it does not — is sent with its valid data mutated (cut, extended,
//! bytes flipped, or random) and its valid account list mutated (two accounts swapped, one
//! duplicated, one replaced by another pool's or a hostile account, the list cut or extended).
//!
//! Properties, after every instruction:
//! - the program never aborts: no panic, no access violation, no runaway compute
//!   (`ProgramFailedToComplete`, `ComputationalBudgetExceeded` are findings);
//! - a failed instruction changes none of the pool's accounts;
//! - the pool never records more lamports than it holds (total ≤ reserve − rent + validator
//!   stake) and its recorded supply is the mint's.
//!
//! `P_STAKE_POOL_FUZZ_INSTRUCTIONS` (default 400) and `P_STAKE_POOL_FUZZ_SEED` (default 0)
//! size and seed the run (set them on this test for a longer one). The run ends with the line
//! `N instructions, K findings`.

use std::collections::HashMap;

use p_stake_pool_tests::{fuzz::*, *};
use solana_sdk::{
    instruction::{AccountMeta, InstructionError},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

/// splitmix64: a small deterministic generator, so a campaign is reproducible from its seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn mutate_data(rng: &mut Random, data: &[u8]) -> Vec<u8> {
    let mut data = data.to_vec();
    match rng.below(7) {
        0 => {}
        1 => data.truncate(rng.below(data.len() + 1)),
        2 => {
            for _ in 0..1 + rng.below(12) {
                data.push(rng.byte());
            }
        }
        3 if !data.is_empty() => {
            let at = rng.below(data.len());
            data[at] ^= 1 << rng.below(8);
        }
        4 if data.len() > 1 => {
            // A field set to an extreme: 0 or all ones.
            let at = 1 + rng.below(data.len() - 1);
            let end = (at + 8).min(data.len());
            let value = if rng.below(2) == 0 { 0 } else { 0xFF };
            data[at..end].fill(value);
        }
        5 if !data.is_empty() => data[0] = rng.below(33) as u8,
        _ => {
            data = (0..rng.below(48)).map(|_| rng.byte()).collect();
        }
    }
    data
}

fn mutate_accounts(
    rng: &mut Random,
    accounts: &[AccountMeta],
    hostile: &[Pubkey],
) -> Vec<AccountMeta> {
    let mut accounts = accounts.to_vec();
    if accounts.is_empty() {
        return accounts;
    }
    let n = accounts.len();
    match rng.below(7) {
        0 => {}
        1 => {
            let (a, b) = (rng.below(n), rng.below(n));
            accounts.swap(a, b);
        }
        2 => {
            let (from, to) = (rng.below(n), rng.below(n));
            accounts[to].pubkey = accounts[from].pubkey;
        }
        3 | 4 => {
            let at = rng.below(n);
            accounts[at].pubkey = *rng.choose(hostile);
        }
        5 => accounts.truncate(rng.below(n)),
        _ => accounts.push(AccountMeta::new(*rng.choose(hostile), false)),
    }
    accounts
}

#[tokio::test]
async fn random_instructions_never_abort_or_break_the_pool() {
    let count: usize = std::env::var("P_STAKE_POOL_FUZZ_INSTRUCTIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("P_STAKE_POOL_FUZZ_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let mut rng = Random(seed);

    let mut live = live_pool().await;
    let (pool, vote) = (&live.keys.pool, live.keys.vote);
    let (hostile, watched, mut keypairs) = (
        live.hostile.clone(),
        live.watched.clone(),
        std::mem::take(&mut live.keypairs),
    );
    let mut findings = Vec::new();
    let mut outcomes: HashMap<&'static str, (usize, usize)> = HashMap::new();
    for index in 0..count {
        // Fresh accounts the templates name: a receiving stake account and a ticket's stake.
        if index % 50 == 0 {
            // Keep the pool current, so instructions get past the staleness checks.
            if live.env.epoch().await > spl_pool_state(&mut live.env, pool).await.last_update_epoch
            {
                for transactions in full_update_instructions(&mut live.env, pool).await {
                    let _ = live.env.send(&transactions, &[]).await;
                }
            }
        }
        let (receiver, templates) = current_templates(&mut live.env, &live.keys).await;
        // The receiver is a fresh keypair of the user's: it may sign (a ticket's stake does).
        keypairs.insert(receiver.pubkey(), receiver);
        let template = rng.choose(&templates);
        let mut instruction = template.instruction.clone();
        instruction.data = mutate_data(&mut rng, &instruction.data);
        instruction.accounts = mutate_accounts(&mut rng, &instruction.accounts, &hostile);
        // Only keys we hold can sign; any other "signer" becomes a plain account.
        for meta in &mut instruction.accounts {
            if meta.is_signer && !keypairs.contains_key(&meta.pubkey) {
                meta.is_signer = false;
            }
        }
        let mut signers: Vec<&Keypair> = Vec::new();
        for meta in &instruction.accounts {
            if meta.is_signer
                && meta.pubkey != live.env.payer().pubkey()
                && !signers.iter().any(|k| k.pubkey() == meta.pubkey)
            {
                signers.push(&keypairs[&meta.pubkey]);
            }
        }
        let before = live.env.snapshot(&watched).await;
        let result = live.env.send(&[instruction.clone()], &signers).await;
        let entry = outcomes.entry(template.name).or_default();
        match result {
            Ok(()) => {
                entry.0 += 1;
                let state = spl_pool_state(&mut live.env, pool).await;
                let supply = live.env.mint_supply(&pool.pool_mint.pubkey()).await;
                let list = spl_validator_list(&mut live.env, pool).await;
                let staked: u64 = list
                    .validators
                    .iter()
                    .map(|v| {
                        u64::from(v.active_stake_lamports) + u64::from(v.transient_stake_lamports)
                    })
                    .sum();
                let assets = live.env.lamports(&pool.reserve_stake).await
                    - live.env.rent_exempt(STAKE_ACCOUNT_LEN).await
                    + staked;
                if state.pool_token_supply != supply || state.total_lamports > assets {
                    findings.push(format!(
                        "#{index} {}: pool books broken ({:?})",
                        template.name, instruction.data
                    ));
                }
            }
            Err(error) => {
                entry.1 += 1;
                let error = instruction_error(Err(error));
                if matches!(
                    error,
                    InstructionError::ProgramFailedToComplete
                        | InstructionError::ComputationalBudgetExceeded
                        | InstructionError::ProgramFailedToCompile
                ) {
                    findings.push(format!(
                        "#{index} {}: aborted with {error:?}, data {:?}",
                        template.name, instruction.data
                    ));
                }
                if live.env.snapshot(&watched).await != before {
                    findings.push(format!(
                        "#{index} {}: failed but changed an account",
                        template.name
                    ));
                }
            }
        }
        if index % 200 == 199 {
            // Time passes: epochs with rewards, so updates and tickets have work to do.
            live.env.credit_votes(&vote, 500);
            live.env.next_epoch().await;
        }
    }
    let mut names: Vec<_> = outcomes.into_iter().collect();
    names.sort();
    for (name, (ok, failed)) in names {
        println!("{name}: {ok} succeeded, {failed} refused");
    }
    println!("{count} instructions, {} findings", findings.len());
    assert!(findings.is_empty(), "findings:\n{}", findings.join("\n"));
}
