//! CU benchmark: runs each instruction of p-stake-pool in a solana-program-test bank on
//! mainnet-beta's feature set, for the SBPF v0 and v3 builds, prints a table (total CU, CU
//! inside inner programs, own CU) beside the SPL 2.2.0 baseline and the v0 build under every
//! feature, and writes it to benchmarks/cu.md.

use p_stake_pool_tests::*;
use solana_sdk::signature::{Keypair, Signer};
use spl_stake_pool::state::{Fee, FeeType};

/// What a `SetComputeUnitLimit` instruction adds to a transaction's consumption.
const COMPUTE_BUDGET_INSTRUCTION_CU: u64 = 150;

/// Validators in the largest steady-state crank batch measured.
const MAX_BATCH: usize = 25;

/// What one build measured in one bank.
struct Report {
    rows: Vec<(String, Measured, &'static str)>,
    /// Steady-state crank total CU by batch size.
    per_validator: Vec<(usize, u64)>,
    /// Merge-heavy crank total CU by batch size.
    merging: Vec<(usize, u64)>,
    /// Only measured for the deployable default (v0, mainnet profile).
    lookup_scaling: Option<String>,
}

/// Runs every measurement on the build in `so_dir` under `profile`.
async fn measure(so_dir: &str, profile: &str, with_lookup_scaling: bool) -> Report {
    std::env::set_var("P_STAKE_POOL_SO_DIR", so_dir);
    std::env::set_var("P_STAKE_POOL_FEATURES", profile);
    let mut env = start().await;
    // Fixed keys: PDA bump searches cost the same on every run.
    env.deterministic_keys();
    let config = PoolConfig::default();
    let mut rows: Vec<(String, Measured, &'static str)> = Vec::new();

    let pool = prepare_pool(&mut env, PROGRAM_ID, &config).await;
    let init = initialize_instruction(&pool, &config, None);
    rows.push((
        "Initialize".into(),
        env.measure(std::slice::from_ref(&init), &[&pool.manager])
            .await,
        "-",
    ));
    env.send(&[init], &[&pool.manager]).await.unwrap();

    let (user, account) = env.pool_user(&pool, 100 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &account,
        &account,
        5 * LAMPORTS_PER_SOL,
    );
    rows.push((
        "DepositSol (fee + referral: 3 mints)".into(),
        env.measure(std::slice::from_ref(&deposit), &[&user]).await,
        "30,283",
    ));
    env.send(&[deposit], &[&user]).await.unwrap();
    let destination = Keypair::new().pubkey();
    let withdraw = withdraw_sol_instruction(
        &pool,
        &user.pubkey(),
        &account,
        &destination,
        LAMPORTS_PER_SOL,
    );
    rows.push((
        "WithdrawSol (with fee transfer)".into(),
        env.measure(&[withdraw], &[&user]).await,
        "32,397",
    ));

    let deposit = spl_stake_pool::instruction::deposit_sol_with_slippage(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.withdraw_authority,
        &pool.reserve_stake,
        &user.pubkey(),
        &account,
        &pool.manager_fee_account,
        &account,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        LAMPORTS_PER_SOL,
        1,
    );
    rows.push((
        "DepositSolWithSlippage".into(),
        env.measure(&[deposit], &[&user]).await,
        "-",
    ));
    let withdraw = spl_stake_pool::instruction::withdraw_sol_with_slippage(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.withdraw_authority,
        &user.pubkey(),
        &account,
        &pool.reserve_stake,
        &destination,
        &pool.manager_fee_account,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        LAMPORTS_PER_SOL,
        1,
    );
    rows.push((
        "WithdrawSolWithSlippage".into(),
        env.measure(&[withdraw], &[&user]).await,
        "-",
    ));
    let metadata = spl_stake_pool::instruction::create_token_metadata(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &pool.pool_mint.pubkey(),
        &env.payer().pubkey(),
        "p-stake-pool SOL".into(),
        "pSOL".into(),
        "https://example.com/psol.json".into(),
    );
    rows.push((
        "CreateTokenMetadata".into(),
        env.measure(std::slice::from_ref(&metadata), &[&pool.manager])
            .await,
        "-",
    ));
    env.send(&[metadata], &[&pool.manager]).await.unwrap();
    let metadata = spl_stake_pool::instruction::update_token_metadata(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &pool.pool_mint.pubkey(),
        "Renamed".into(),
        "RSOL".into(),
        "https://example.com/renamed.json".into(),
    );
    rows.push((
        "UpdateTokenMetadata".into(),
        env.measure(&[metadata], &[&pool.manager]).await,
        "-",
    ));
    let new_manager = Keypair::new();
    let set_manager = spl_stake_pool::instruction::set_manager(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &new_manager.pubkey(),
        &pool.manager_fee_account,
    );
    rows.push((
        "SetManager".into(),
        env.measure(&[set_manager], &[&pool.manager, &new_manager])
            .await,
        "-",
    ));

    let set_fee = spl_stake_pool::instruction::set_fee(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        FeeType::Epoch(Fee {
            denominator: 100,
            numerator: 3,
        }),
    );
    rows.push((
        "SetFee (epoch)".into(),
        env.measure(&[set_fee], &[&pool.manager]).await,
        "-",
    ));
    let set_staker = spl_stake_pool::instruction::set_staker(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &Keypair::new().pubkey(),
    );
    rows.push((
        "SetStaker".into(),
        env.measure(&[set_staker], &[&pool.manager]).await,
        "-",
    ));
    let funding = spl_stake_pool::instruction::set_funding_authority(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        Some(&user.pubkey()),
        spl_stake_pool::instruction::FundingType::SolWithdraw,
    );
    rows.push((
        "SetFundingAuthority".into(),
        env.measure(&[funding], &[&pool.manager]).await,
        "-",
    ));

    let update = update_instructions(&pool);
    rows.push((
        "UpdateStakePoolBalance (no reward)".into(),
        env.measure(&update[1..2], &[]).await,
        "10,163",
    ));
    env.transfer(&pool.reserve_stake, LAMPORTS_PER_SOL).await;
    env.next_epoch().await;
    rows.push((
        "UpdateValidatorListBalance (empty list)".into(),
        env.measure(&update[0..1], &[]).await,
        "-",
    ));
    rows.push((
        "UpdateStakePoolBalance (reward, fee mint)".into(),
        env.measure(&update[1..2], &[]).await,
        "16,086",
    ));
    rows.push((
        "CleanupRemovedValidatorEntries".into(),
        env.measure(&update[2..3], &[]).await,
        "4,190",
    ));

    // Validators: a pool with many of them, the steady-state crank over growing batches.
    let config = PoolConfig {
        reserve_extra: 100 * LAMPORTS_PER_SOL,
        max_validators: 64,
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let mut votes = Vec::new();
    for i in 0..MAX_BATCH {
        let vote = env.create_vote_account(5).await;
        let state = spl_pool_state(&mut env, &pool).await;
        let add = spl_stake_pool::instruction::add_validator_to_pool_with_vote(
            &PROGRAM_ID,
            &state,
            &pool.stake_pool.pubkey(),
            &vote,
            None,
        );
        if i == 0 {
            rows.push((
                "AddValidatorToPool".into(),
                env.measure(std::slice::from_ref(&add), &[&pool.staker])
                    .await,
                "45,500",
            ));
        }
        env.send(&[add], &[&pool.staker]).await.unwrap();
        votes.push(vote);
    }
    env.next_epoch().await;
    let list = spl_validator_list(&mut env, &pool).await;
    let mut per_validator = Vec::new();
    for (count, baseline) in [(1usize, "14,241"), (4, "27,546"), (MAX_BATCH, "-")] {
        let ix = spl_stake_pool::instruction::update_validator_list_balance_chunk(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.withdraw_authority,
            &pool.validator_list.pubkey(),
            &pool.reserve_stake,
            &list,
            count,
            0,
            false,
        )
        .unwrap();
        let measured = env.measure(&[ix], &[]).await;
        per_validator.push((count, measured.total));
        rows.push((
            format!("UpdateValidatorListBalance, {count} validators, steady"),
            measured,
            baseline,
        ));
    }
    p_stake_pool_tests::update(&mut env, &pool).await;

    // Rebalancing on validator 1 (validator 0 is removed below).
    let staker_sends = |state: &spl_stake_pool::state::StakePool, kind: u8| {
        let pool_address = pool.stake_pool.pubkey();
        match kind {
            0 => spl_stake_pool::instruction::increase_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &pool_address,
                &votes[1],
                2 * LAMPORTS_PER_SOL,
                None,
                0,
            ),
            1 => spl_stake_pool::instruction::increase_additional_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &pool_address,
                &votes[1],
                2 * LAMPORTS_PER_SOL,
                None,
                0,
                0,
            ),
            2 => spl_stake_pool::instruction::decrease_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &pool_address,
                &votes[2],
                2 * LAMPORTS_PER_SOL,
                None,
                0,
            ),
            _ => spl_stake_pool::instruction::decrease_additional_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &pool_address,
                &votes[3],
                2 * LAMPORTS_PER_SOL,
                None,
                0,
                0,
            ),
        }
    };
    // Validators 2 and 3 need stake above the minimum to decrease from.
    let state = spl_pool_state(&mut env, &pool).await;
    for vote in &votes[2..4] {
        let ix = spl_stake_pool::instruction::increase_validator_stake_with_vote(
            &PROGRAM_ID,
            &state,
            &pool.stake_pool.pubkey(),
            vote,
            5 * LAMPORTS_PER_SOL,
            None,
            0,
        );
        env.send(&[ix], &[&pool.staker]).await.unwrap();
    }
    env.next_epoch().await;
    p_stake_pool_tests::update(&mut env, &pool).await;
    env.next_epoch().await;
    p_stake_pool_tests::update(&mut env, &pool).await;
    let state = spl_pool_state(&mut env, &pool).await;
    for (kind, name, baseline) in [
        (0, "IncreaseValidatorStake", "49,900"),
        (1, "IncreaseAdditionalValidatorStake (new transient)", "-"),
        (2, "DecreaseValidatorStakeWithReserve", "64,150"),
        (3, "DecreaseAdditionalValidatorStake (new transient)", "-"),
    ] {
        let ix = staker_sends(&state, kind);
        rows.push((
            name.into(),
            env.measure(&[ix], &[&pool.staker]).await,
            baseline,
        ));
    }
    let ix = staker_sends(&state, 0);
    env.send(&[ix], &[&pool.staker]).await.unwrap();
    let state = spl_pool_state(&mut env, &pool).await;
    rows.push((
        "IncreaseAdditionalValidatorStake (merge into transient)".into(),
        env.measure(&[staker_sends(&state, 1)], &[&pool.staker])
            .await,
        "-",
    ));
    let prefer = spl_stake_pool::instruction::set_preferred_validator(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.staker.pubkey(),
        &pool.validator_list.pubkey(),
        spl_stake_pool::instruction::PreferredValidatorType::Deposit,
        Some(votes[MAX_BATCH - 1]),
    );
    rows.push((
        "SetPreferredValidator (last of 25)".into(),
        env.measure(&[prefer], &[&pool.staker]).await,
        "-",
    ));

    // A user's stake account, delegated to validator 4, activates during the epochs below.
    let user_stake = Keypair::new();
    env.create_delegated_stake(&user_stake, &votes[4], 3 * LAMPORTS_PER_SOL)
        .await;

    // Merge-heavy cranks: every validator got an increase last epoch, so every pair merges
    // an activated transient into its validator stake.
    env.next_epoch().await;
    p_stake_pool_tests::update(&mut env, &pool).await;
    let state = spl_pool_state(&mut env, &pool).await;
    for vote in &votes {
        let ix = spl_stake_pool::instruction::increase_validator_stake_with_vote(
            &PROGRAM_ID,
            &state,
            &pool.stake_pool.pubkey(),
            vote,
            LAMPORTS_PER_SOL,
            None,
            1,
        );
        env.send(&[ix], &[&pool.staker]).await.unwrap();
    }
    env.next_epoch().await;
    let list = spl_validator_list(&mut env, &pool).await;
    let mut merging = Vec::new();
    for (count, baseline) in [(1usize, "-"), (4, "145,534"), (MAX_BATCH, "-")] {
        let ix = spl_stake_pool::instruction::update_validator_list_balance_chunk(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.withdraw_authority,
            &pool.validator_list.pubkey(),
            &pool.reserve_stake,
            &list,
            count,
            0,
            false,
        )
        .unwrap();
        let mut ixs = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                1_400_000,
            ),
        ];
        ixs.push(ix);
        let mut measured = env.measure(&ixs, &[]).await;
        // The crank alone: without the compute-budget instruction's 150 CU.
        measured.total -= COMPUTE_BUDGET_INSTRUCTION_CU;
        merging.push((count, measured.total));
        rows.push((
            format!("UpdateValidatorListBalance, {count} validators, merging active transients"),
            measured,
            baseline,
        ));
    }
    p_stake_pool_tests::update(&mut env, &pool).await;

    // Stake accounts in and out.
    let (staker_user, user_tokens) = env.pool_user(&pool, 50 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &staker_user.pubkey(),
        &user_tokens,
        &user_tokens,
        20 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&staker_user]).await.unwrap();
    let payer = env.payer();
    let mut deposit = spl_stake_pool::instruction::deposit_stake(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        &user_stake.pubkey(),
        &payer.pubkey(),
        &pool.validator_stake(&votes[4]),
        &pool.reserve_stake,
        &user_tokens,
        &pool.manager_fee_account,
        &user_tokens,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
    );
    // The client's two Authorize instructions go first, on their own: the row is the deposit.
    let deposit_stake = deposit.pop().unwrap();
    env.send(&deposit, &[]).await.unwrap();
    rows.push((
        "DepositStake (with referral: 3 mints, merge, withdraw of rent)".into(),
        env.measure(&[deposit_stake], &[]).await,
        "88,400",
    ));
    let receiver = Keypair::new();
    env.create_owned_account(
        &receiver,
        STAKE_ACCOUNT_LEN,
        &solana_stake_interface::program::id(),
    )
    .await;
    let withdraw = spl_stake_pool::instruction::withdraw_stake(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        &pool.validator_stake(&votes[2]),
        &receiver.pubkey(),
        &staker_user.pubkey(),
        &staker_user.pubkey(),
        &user_tokens,
        &pool.manager_fee_account,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        2 * LAMPORTS_PER_SOL,
    );
    rows.push((
        "WithdrawStake (from a validator, with fee transfer)".into(),
        env.measure(std::slice::from_ref(&withdraw), &[&staker_user])
            .await,
        "76,944",
    ));
    // The slippage variants: the same work plus one comparison.
    let mut withdraw_with_slippage = withdraw;
    withdraw_with_slippage.data[0] = 24;
    withdraw_with_slippage
        .data
        .extend_from_slice(&1u64.to_le_bytes());
    rows.push((
        "WithdrawStakeWithSlippage".into(),
        env.measure(&[withdraw_with_slippage], &[&staker_user])
            .await,
        "-",
    ));
    let second_stake = Keypair::new();
    env.create_delegated_stake(&second_stake, &votes[4], 3 * LAMPORTS_PER_SOL)
        .await;
    env.next_epoch().await;
    p_stake_pool_tests::update(&mut env, &pool).await;
    let mut deposit = spl_stake_pool::instruction::deposit_stake_with_slippage(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        &second_stake.pubkey(),
        &payer.pubkey(),
        &pool.validator_stake(&votes[4]),
        &pool.reserve_stake,
        &user_tokens,
        &pool.manager_fee_account,
        &user_tokens,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        1,
    );
    let deposit_stake = deposit.pop().unwrap();
    env.send(&deposit, &[]).await.unwrap();
    rows.push((
        "DepositStakeWithSlippage".into(),
        env.measure(&[deposit_stake], &[]).await,
        "-",
    ));
    // Served for compatibility, failing in today's stake program: a partial split of active
    // stake needs a destination that already holds its rent, which this variant cannot fund.
    #[allow(deprecated)]
    let legacy = spl_stake_pool::instruction::decrease_validator_stake(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.staker.pubkey(),
        &pool.withdraw_authority,
        &pool.validator_list.pubkey(),
        &pool.validator_stake(&votes[2]),
        &spl_stake_pool::find_transient_stake_program_address(
            &PROGRAM_ID,
            &votes[2],
            &pool.stake_pool.pubkey(),
            77,
        )
        .0,
        2 * LAMPORTS_PER_SOL,
        77,
    );
    rows.push((
        "DecreaseValidatorStake (deprecated; the stake program refuses the split)".into(),
        env.measure_failure(&[legacy], &[&pool.staker]).await,
        "-",
    ));
    // The reference client still builds it (deprecated), so callers get SPL's answer.
    #[allow(deprecated)]
    let redelegate = spl_stake_pool::instruction::redelegate(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.staker.pubkey(),
        &pool.withdraw_authority,
        &pool.validator_list.pubkey(),
        &pool.reserve_stake,
        &pool.validator_stake(&votes[2]),
        &pool.validator_stake(&votes[3]),
        &pool.validator_stake(&votes[5]),
        &pool.validator_stake(&votes[6]),
        &pool.validator_stake(&votes[7]),
        &votes[7],
        LAMPORTS_PER_SOL,
        0,
        0,
        0,
    );
    rows.push((
        "Redelegate (refused, as in SPL)".into(),
        env.measure_failure(&[redelegate], &[&pool.staker]).await,
        "-",
    ));

    let state = spl_pool_state(&mut env, &pool).await;
    let remove = spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &votes[0],
        None,
        0,
    );
    rows.push((
        "RemoveValidatorFromPool".into(),
        env.measure(&[remove], &[&pool.staker]).await,
        "-",
    ));

    // Delayed-unstake tickets (no SPL equivalent): a request split from a validator, and its
    // claim after the cooldown.
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    let ticket = ticket_stake(&mut env).await;
    let payer = env.payer();
    let request = p_stake_pool_client::request_unstake(
        &pool.accounts(),
        &pool.validator_stake(&vote),
        &ticket.pubkey(),
        &user.pubkey(),
        &user.pubkey(),
        &user_tokens,
        &payer.pubkey(),
        10 * LAMPORTS_PER_SOL,
        0,
    );
    rows.push((
        "RequestUnstake (split from a validator, deactivate, ticket)".into(),
        env.measure(std::slice::from_ref(&request), &[&user, &ticket])
            .await,
        "-",
    ));
    env.send(&[request], &[&user, &ticket]).await.unwrap();
    env.next_epoch().await;
    let claim = p_stake_pool_client::claim_unstake(
        &pool.accounts(),
        &ticket.pubkey(),
        &user.pubkey(),
        &payer.pubkey(),
        None,
    );
    rows.push((
        "ClaimUnstake (owed, earned and rent: 3 withdrawals)".into(),
        env.measure(&[claim], &[]).await,
        "-",
    ));

    let lookup_scaling = if with_lookup_scaling {
        Some(lookup_scaling(&mut env).await)
    } else {
        None
    };
    Report {
        rows,
        per_validator,
        merging,
        lookup_scaling,
    }
}

/// `(marginal CU per validator, fixed CU)` from the smallest-but-one and the largest batch.
fn per_validator_cost(totals: &[(usize, u64)]) -> (u64, u64) {
    let (small, small_cu) = totals[1];
    let (large, large_cu) = totals[totals.len() - 1];
    let marginal = (large_cu - small_cu) / (large - small) as u64;
    (marginal, small_cu.saturating_sub(marginal * small as u64))
}

/// `total | inner | own` cells (the bank truncates long logs: inner CU cannot be summed then).
fn cells(measured: &Measured) -> String {
    if measured.logs.iter().any(|line| line == "Log truncated") {
        format!("{} | (log truncated) | -", measured.total)
    } else {
        format!(
            "{} | {} | {}",
            measured.total,
            measured.inner,
            measured.own()
        )
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let root = format!("{}/../target/deploy", p_stake_pool_tests::manifest_dir());
    let v0_dir = std::env::var("P_STAKE_POOL_V0_DIR").unwrap_or_else(|_| root.clone());
    let v3_dir = std::env::var("P_STAKE_POOL_V3_DIR").unwrap_or_else(|_| format!("{root}/v3"));
    let v0 = measure(&v0_dir, "mainnet", true).await;
    let v3 = measure(&v3_dir, "mainnet", false).await;
    let v0_all = measure(&v0_dir, "all", false).await;

    let mut table = String::from(
        "# p-stake-pool compute units\n\nMeasured by `cargo run -p p-stake-pool-tests --example \
         cu_benchmark` in a solana-program-test 4.2 bank with **mainnet-beta's feature set** \
         (`tests/data/mainnet-features.tsv`), for both builds of this repository's offline \
         pipeline: SBPF v0 (`target/deploy/p_stake_pool.so`, the default) and SBPF v3 \
         (`target/deploy/v3/p_stake_pool.so`). The bank runs the Core BPF stake program 5.1.0 and \
         p-token 1.0.0, as mainnet does. **own** = total − CU spent inside invoked programs (it \
         includes the 1,000 CU invoke charge per CPI). *v0, all features* is the v0 build in a bank \
         with every feature on (what the next upgrades bring). The SPL column is the reference's \
         total from `spl-baseline-cu.md`: its v0 build from the same pipeline, measured in an \
         all-features bank (no SPL binary can be built here to measure on mainnet's set).\n\n\
         | instruction | v0 total | v0 inner | v0 own | v3 total | v3 inner | v3 own | v0, all features | SPL 2.2.0 total |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (((name, measured, baseline), (v3_name, v3_measured, _)), (all_name, all_measured, _)) in
        v0.rows.iter().zip(&v3.rows).zip(&v0_all.rows)
    {
        assert!(
            name == v3_name && name == all_name,
            "{name} / {v3_name} / {all_name}"
        );
        table.push_str(&format!(
            "| {name} | {} | {} | {} | {baseline} |\n",
            cells(measured),
            cells(v3_measured),
            all_measured.total
        ));
    }
    let (marginal, fixed) = per_validator_cost(&v0.per_validator);
    let (v3_marginal, v3_fixed) = per_validator_cost(&v3.per_validator);
    table.push_str(&format!(
        "\nSteady-state crank (v0): about {marginal} CU per validator plus {fixed} CU fixed \
         (v3: {v3_marginal} + {v3_fixed}; the reference: ~4,400 per validator + ~9,800). At that \
         rate one 1.4M-CU instruction could update {} validators; the transaction account limit \
         (64 on mainnet, with a lookup table) caps a batch at 28 pairs.\n",
        (1_400_000 - fixed) / marginal
    ));
    let (marginal, fixed) = per_validator_cost(&v0.merging);
    table.push_str(&format!(
        "\nMerge-heavy crank (v0; every transient merges into its validator stake): about \
         {marginal} CU per validator plus {fixed} CU fixed, of which the stake program's Merge is \
         most; one 1.4M-CU instruction updates {} such validators (the reference: ~36,000 per \
         validator, 4 per instruction).\n",
        (1_400_000 - fixed) / marginal
    ));
    table.push_str(v0.lookup_scaling.as_deref().unwrap_or_default());
    println!("{table}");
    let path = format!("{}/../benchmarks/cu.md", p_stake_pool_tests::manifest_dir());
    std::fs::write(path, table).unwrap();
}

/// How the cost of finding a validator grows with the list: the validator sits last in lists
/// of growing size (stand-in entries with no stake in front of it), the worst case for a scan.
async fn lookup_scaling(env: &mut Env) -> String {
    let config = PoolConfig {
        reserve_extra: 100 * LAMPORTS_PER_SOL,
        max_validators: 20_000,
        ..PoolConfig::default()
    };
    let pool = create_pool(env, PROGRAM_ID, &config).await;
    let vote = env.create_vote_account(5).await;
    let state = spl_pool_state(env, &pool).await;
    let add = spl_stake_pool::instruction::add_validator_to_pool_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &vote,
        None,
    );
    env.send(&[add], &[&pool.staker]).await.unwrap();
    let increase = spl_stake_pool::instruction::increase_validator_stake_with_vote(
        &PROGRAM_ID,
        &state,
        &pool.stake_pool.pubkey(),
        &vote,
        20 * LAMPORTS_PER_SOL,
        None,
        0,
    );
    env.send(&[increase], &[&pool.staker]).await.unwrap();
    let user_stake = Keypair::new();
    env.create_delegated_stake(&user_stake, &vote, 3 * LAMPORTS_PER_SOL)
        .await;
    let (user, user_tokens) = env.pool_user(&pool, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &user_tokens,
        &user_tokens,
        10 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&user]).await.unwrap();
    for _ in 0..2 {
        env.next_epoch().await;
        p_stake_pool_tests::update(env, &pool).await;
    }
    let payer = env.payer();
    let mut deposit = spl_stake_pool::instruction::deposit_stake(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        &user_stake.pubkey(),
        &payer.pubkey(),
        &pool.validator_stake(&vote),
        &pool.reserve_stake,
        &user_tokens,
        &pool.manager_fee_account,
        &user_tokens,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
    );
    let deposit_stake = deposit.pop().unwrap();
    env.send(&deposit, &[]).await.unwrap();
    let receiver = Keypair::new();
    env.create_owned_account(
        &receiver,
        STAKE_ACCOUNT_LEN,
        &solana_stake_interface::program::id(),
    )
    .await;
    let withdraw_stake = spl_stake_pool::instruction::withdraw_stake(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        &pool.validator_stake(&vote),
        &receiver.pubkey(),
        &user.pubkey(),
        &user.pubkey(),
        &user_tokens,
        &pool.manager_fee_account,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        2 * LAMPORTS_PER_SOL,
    );

    let mut table = String::from(
        "\n## Validator lookup cost by list size (v0, mainnet features)\n\nThe validator is the last entry; the \
         others are stand-ins without stake (the worst case for a scan). CU of the instruction \
         including its CPIs. *hint* = our optional validator index appended to the \
         instruction data (SPL clients do not send it; without it the program scans).\n\n\
         | list size | SetPreferredValidator | IncreaseValidatorStake | DepositStake | \
         DepositStake, hint | WithdrawStake | WithdrawStake, hint |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut per_entry = 0;
    let mut first = 0;
    for size in [1usize, 1_000, 5_000, 10_000, 20_000] {
        pad_validator_list(env, &pool, size - 1).await;
        let index = (size - 1) as u32;
        let state = spl_pool_state(env, &pool).await;
        let prefer = spl_stake_pool::instruction::set_preferred_validator(
            &PROGRAM_ID,
            &pool.stake_pool.pubkey(),
            &pool.staker.pubkey(),
            &pool.validator_list.pubkey(),
            spl_stake_pool::instruction::PreferredValidatorType::Deposit,
            Some(vote),
        );
        let increase = spl_stake_pool::instruction::increase_validator_stake_with_vote(
            &PROGRAM_ID,
            &state,
            &pool.stake_pool.pubkey(),
            &vote,
            LAMPORTS_PER_SOL,
            None,
            1,
        );
        let hinted = |ix: &solana_sdk::instruction::Instruction| {
            p_stake_pool_client::with_validator_index_hint(ix.clone(), index).unwrap()
        };
        let cases: [(solana_sdk::instruction::Instruction, Vec<&Keypair>); 6] = [
            (prefer, vec![&pool.staker]),
            (increase, vec![&pool.staker]),
            (deposit_stake.clone(), vec![]),
            (hinted(&deposit_stake), vec![]),
            (withdraw_stake.clone(), vec![&user]),
            (hinted(&withdraw_stake), vec![&user]),
        ];
        let mut row = format!("| {size} |");
        for (i, (ix, signers)) in cases.into_iter().enumerate() {
            let budget =
                solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                    1_400_000,
                );
            let units =
                env.measure(&[budget, ix], &signers).await.total - COMPUTE_BUDGET_INSTRUCTION_CU;
            if i == 0 {
                if size == 1 {
                    first = units;
                } else {
                    per_entry = (units - first) / (size as u64 - 1);
                }
            }
            row.push_str(&format!(" {units} |"));
        }
        table.push_str(&row);
        table.push('\n');
    }
    table.push_str(&format!(
        "\nAbout {per_entry} CU per entry scanned: a 20,000-entry list stays far inside the \
         1.4M limit, and with the hint DepositStake and WithdrawStake cost the same at 20,000 \
         validators as at one.\n"
    ));
    table
}
