//! The instruction surface of the `.so` under random input. From a live pool (a validator
//! with active stake, users holding tokens, an open unstake ticket), every instruction the
//! program knows — and tags it does not — is sent with its valid data mutated (cut, extended,
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
//! size and seed the campaign; `scripts/fuzz.sh` runs bigger ones. The run ends with the line
//! `N instructions, K findings`.

use std::collections::HashMap;

use p_stake_pool_tests::*;
use solana_sdk::{
    instruction::{AccountMeta, Instruction, InstructionError},
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

/// A valid instruction of the live pool.
struct Template {
    name: &'static str,
    instruction: Instruction,
}

#[allow(clippy::too_many_arguments)]
fn templates(
    pool: &Pool,
    other: &Pool,
    vote: &Pubkey,
    state: &spl_stake_pool::state::StakePool,
    update: &[Instruction],
    user: &Pubkey,
    user_tokens: &Pubkey,
    ticket_stake: &Pubkey,
    receiver: &Pubkey,
) -> Vec<Template> {
    use spl_stake_pool::instruction as spl;
    let stake_pool = pool.stake_pool.pubkey();
    let accounts = pool.accounts();
    let mut list = vec![
        Template {
            name: "DepositSol",
            instruction: deposit_sol_instruction(
                pool,
                user,
                user_tokens,
                user_tokens,
                LAMPORTS_PER_SOL,
            ),
        },
        Template {
            name: "WithdrawSol",
            instruction: withdraw_sol_instruction(
                pool,
                user,
                user_tokens,
                user,
                LAMPORTS_PER_SOL / 2,
            ),
        },
        Template {
            name: "WithdrawStake",
            instruction: spl::withdraw_stake(
                &PROGRAM_ID,
                &stake_pool,
                &pool.validator_list.pubkey(),
                &pool.withdraw_authority,
                &pool.validator_stake(vote),
                receiver,
                user,
                user,
                user_tokens,
                &pool.manager_fee_account,
                &pool.pool_mint.pubkey(),
                &pool.token_program,
                LAMPORTS_PER_SOL,
            ),
        },
        Template {
            name: "IncreaseValidatorStake",
            instruction: spl::increase_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                2 * LAMPORTS_PER_SOL,
                None,
                7,
            ),
        },
        Template {
            name: "DecreaseValidatorStakeWithReserve",
            instruction: spl::decrease_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                2 * LAMPORTS_PER_SOL,
                None,
                8,
            ),
        },
        Template {
            name: "SetFee",
            instruction: spl::set_fee(
                &PROGRAM_ID,
                &stake_pool,
                &pool.manager.pubkey(),
                spl_stake_pool::state::FeeType::SolReferral(10),
            ),
        },
        Template {
            name: "SetStaker",
            instruction: spl::set_staker(
                &PROGRAM_ID,
                &stake_pool,
                &pool.manager.pubkey(),
                &pool.staker.pubkey(),
            ),
        },
        Template {
            name: "SetPreferredValidator",
            instruction: spl::set_preferred_validator(
                &PROGRAM_ID,
                &stake_pool,
                &pool.staker.pubkey(),
                &pool.validator_list.pubkey(),
                spl::PreferredValidatorType::Deposit,
                Some(*vote),
            ),
        },
        Template {
            name: "UpdateValidatorListBalance",
            instruction: update[0].clone(),
        },
        Template {
            name: "UpdateStakePoolBalance",
            instruction: update[1].clone(),
        },
        Template {
            name: "CleanupRemovedValidatorEntries",
            instruction: spl::cleanup_removed_validator_entries(
                &PROGRAM_ID,
                &stake_pool,
                &pool.validator_list.pubkey(),
            ),
        },
        Template {
            name: "RequestUnstake",
            instruction: p_stake_pool_client::request_unstake(
                &accounts,
                &pool.validator_stake(vote),
                receiver,
                user,
                user,
                user_tokens,
                user,
                LAMPORTS_PER_SOL,
                0,
            ),
        },
        Template {
            name: "ClaimUnstake",
            instruction: p_stake_pool_client::claim_unstake(
                &accounts,
                ticket_stake,
                user,
                user,
                None,
            ),
        },
        Template {
            name: "DepositSol (other pool)",
            instruction: deposit_sol_instruction(
                other,
                user,
                user_tokens,
                user_tokens,
                LAMPORTS_PER_SOL,
            ),
        },
    ];
    list.extend(
        spl::deposit_stake(
            &PROGRAM_ID,
            &stake_pool,
            &pool.validator_list.pubkey(),
            &pool.withdraw_authority,
            receiver,
            user,
            &pool.validator_stake(vote),
            &pool.reserve_stake,
            user_tokens,
            &pool.manager_fee_account,
            user_tokens,
            &pool.pool_mint.pubkey(),
            &pool.token_program,
        )
        .into_iter()
        .last()
        .map(|instruction| Template {
            name: "DepositStake",
            instruction,
        }),
    );
    list
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

    // The live pool: a validator with active stake, a user with tokens, an open ticket.
    let mut env = start().await;
    let other = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    env.send(&update_instructions(&other), &[]).await.unwrap();

    let mut keypairs: HashMap<Pubkey, Keypair> = HashMap::new();
    for keypair in [
        user.insecure_clone(),
        pool.manager.insecure_clone(),
        pool.staker.insecure_clone(),
        env.payer(),
    ] {
        keypairs.insert(keypair.pubkey(), keypair);
    }
    let hostile: Vec<Pubkey> = vec![
        Pubkey::new_unique(),
        other.stake_pool.pubkey(),
        other.validator_list.pubkey(),
        other.reserve_stake,
        other.pool_mint.pubkey(),
        other.manager_fee_account,
        other.withdraw_authority,
        pool.stake_pool.pubkey(),
        pool.validator_list.pubkey(),
        pool.reserve_stake,
        pool.pool_mint.pubkey(),
        pool.manager_fee_account,
        pool.withdraw_authority,
        pool.validator_stake(&vote),
        pool.transient_stake(&vote, 1),
        user_tokens,
        user.pubkey(),
        vote,
        PROGRAM_ID,
        SPL_PROGRAM_ID,
        spl_token_interface::id(),
        solana_stake_interface::program::id(),
        Pubkey::default(),
        solana_sdk::sysvar::clock::id(),
        solana_sdk::sysvar::rent::id(),
    ];
    // An open ticket for ClaimUnstake to aim at.
    let ticket = Keypair::new();
    env.create_owned_account(
        &ticket,
        STAKE_ACCOUNT_LEN,
        &solana_stake_interface::program::id(),
    )
    .await;
    let request = p_stake_pool_client::request_unstake(
        &pool.accounts(),
        &pool.validator_stake(&vote),
        &ticket.pubkey(),
        &user.pubkey(),
        &user.pubkey(),
        &user_tokens,
        &user.pubkey(),
        5 * LAMPORTS_PER_SOL,
        0,
    );
    env.send(&[request], &[&user]).await.unwrap();
    let watched = {
        let mut watched = pool.state_addresses();
        watched.extend(other.state_addresses());
        watched.extend([pool.validator_stake(&vote), user_tokens, user.pubkey()]);
        watched
    };

    let mut findings = Vec::new();
    let mut outcomes: HashMap<&'static str, (usize, usize)> = HashMap::new();
    for index in 0..count {
        // Fresh accounts the templates name: a receiving stake account and a ticket's stake.
        if index % 50 == 0 {
            // Keep the pool current, so instructions get past the staleness checks.
            if env.epoch().await > spl_pool_state(&mut env, &pool).await.last_update_epoch {
                for transactions in full_update_instructions(&mut env, &pool).await {
                    let _ = env.send(&transactions, &[]).await;
                }
            }
        }
        let receiver = Keypair::new();
        env.create_owned_account(
            &receiver,
            STAKE_ACCOUNT_LEN,
            &solana_stake_interface::program::id(),
        )
        .await;
        let state = spl_pool_state(&mut env, &pool).await;
        let update: Vec<Instruction> = full_update_instructions(&mut env, &pool)
            .await
            .into_iter()
            .flatten()
            .collect();
        let templates = templates(
            &pool,
            &other,
            &vote,
            &state,
            &update,
            &user.pubkey(),
            &user_tokens,
            &ticket.pubkey(),
            &receiver.pubkey(),
        );
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
                && meta.pubkey != env.payer().pubkey()
                && !signers.iter().any(|k| k.pubkey() == meta.pubkey)
            {
                signers.push(&keypairs[&meta.pubkey]);
            }
        }
        let before = env.snapshot(&watched).await;
        let result = env.send(&[instruction.clone()], &signers).await;
        let entry = outcomes.entry(template.name).or_default();
        match result {
            Ok(()) => {
                entry.0 += 1;
                let state = spl_pool_state(&mut env, &pool).await;
                let supply = env.mint_supply(&pool.pool_mint.pubkey()).await;
                let list = spl_validator_list(&mut env, &pool).await;
                let staked: u64 = list
                    .validators
                    .iter()
                    .map(|v| {
                        u64::from(v.active_stake_lamports) + u64::from(v.transient_stake_lamports)
                    })
                    .sum();
                let assets = env.lamports(&pool.reserve_stake).await
                    - env.rent_exempt(STAKE_ACCOUNT_LEN).await
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
                if env.snapshot(&watched).await != before {
                    findings.push(format!(
                        "#{index} {}: failed but changed an account",
                        template.name
                    ));
                }
            }
        }
        if index % 200 == 199 {
            // Time passes: epochs with rewards, so updates and tickets have work to do.
            env.credit_votes(&vote, 500);
            env.next_epoch().await;
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
