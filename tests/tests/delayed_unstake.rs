//! Delayed-unstake tickets (`RequestUnstake`, `ClaimUnstake`): leave the pool without handling
//! a stake account. Requested and claimed across real epochs with rewards; refused, with
//! nothing changed, when claimed too early, to another destination without the owner, twice,
//! with a spoofed ticket, another pool's ticket or a swapped stake account.

use p_stake_pool_client::{claim_unstake, find_ticket, quote, request_unstake, state};
use p_stake_pool_tests::*;
use solana_sdk::{
    instruction::{Instruction, InstructionError},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

const NOT_CLAIMABLE: u32 = 45;
const INVALID_TICKET: u32 = 46;
const WRONG_OWNER: u32 = 47;

fn request(
    pool: &Pool,
    split_from: &Pubkey,
    stake: &Pubkey,
    user: &Keypair,
    user_tokens: &Pubkey,
    payer: &Pubkey,
    pool_tokens: u64,
) -> Instruction {
    request_unstake(
        &pool.accounts(),
        split_from,
        stake,
        &user.pubkey(),
        &user.pubkey(),
        user_tokens,
        payer,
        pool_tokens,
        0,
    )
}

fn ticket_address(pool: &Pool, stake: &Pubkey) -> Pubkey {
    find_ticket(&PROGRAM_ID, &pool.stake_pool.pubkey(), stake).0
}

/// A pool holding a user's 10 SOL deposit and `validators` validators at the pool's minimum
/// (added, an epoch passed, updated): none has stake to spare. The pool, the user, the user's
/// pool tokens and the validators' vote accounts.
async fn pool_at_the_minimum(
    env: &mut Env,
    validators: usize,
) -> (Pool, Keypair, Pubkey, Vec<Pubkey>) {
    let pool = create_pool(env, PROGRAM_ID, &PoolConfig::default()).await;
    let (user, user_tokens) = env.pool_user(&pool, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &user_tokens,
        &user_tokens,
        10 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&user]).await.unwrap();
    let mut votes = Vec::new();
    for _ in 0..validators {
        let vote = env.create_vote_account(0).await;
        add_validator(env, &pool, &vote).await;
        votes.push(vote);
    }
    env.next_epoch().await;
    update(env, &pool).await;
    (pool, user, user_tokens, votes)
}

/// `total_lamports / pool_token_supply` never falls: `after >= before` as fractions.
fn rate_not_lower(before: (u64, u64), after: (u64, u64)) -> bool {
    after.0 as u128 * before.1 as u128 >= before.0 as u128 * after.1 as u128
}

async fn rate(env: &mut Env, pool: &Pool) -> (u64, u64) {
    let state = spl_pool_state(env, pool).await;
    (state.total_lamports, state.pool_token_supply)
}

#[tokio::test]
async fn request_and_claim_across_epochs_with_rewards() {
    let mut env = start().await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    let payer = env.payer();
    let stake = ticket_stake(&mut env).await;
    let funding = env.lamports(&stake.pubkey()).await;
    let pool_tokens = env.token_balance(&user_tokens).await / 2;
    let epoch = env.epoch().await;
    let data = env.account(&pool.stake_pool.pubkey()).await.unwrap().data;
    let quoted = quote::withdraw_stake(&data, pool_tokens, epoch).unwrap();
    let before = rate(&mut env, &pool).await;

    // Request: the tokens burn, the owed lamports leave the pool's books at once.
    let ix = request(
        &pool,
        &pool.validator_stake(&vote),
        &stake.pubkey(),
        &user,
        &user_tokens,
        &payer.pubkey(),
        pool_tokens,
    );
    let measured = env
        .measure(std::slice::from_ref(&ix), &[&user, &stake])
        .await;
    assert_eq!(
        measured.return_data,
        Some((PROGRAM_ID, quoted.lamports.to_le_bytes().to_vec()))
    );
    println!("RequestUnstake: {} CU", measured.total);
    env.send(&[ix], &[&user, &stake]).await.unwrap();
    let after = rate(&mut env, &pool).await;
    assert_eq!(after.0, before.0 - quoted.lamports);
    assert_eq!(after.1, before.1 - quoted.burnt);
    assert!(
        rate_not_lower(before, after),
        "a request never lowers the rate"
    );
    let ticket = ticket_address(&pool, &stake.pubkey());
    let ticket_data = env.account(&ticket).await.unwrap().data;
    let recorded = state::UnstakeTicket::load(&ticket_data).unwrap();
    assert_eq!(recorded.lamports_owed(), quoted.lamports);
    assert_eq!(recorded.owner, user.pubkey());
    assert_eq!(recorded.claimable_epoch(), epoch + 1);
    assert_pool_invariants(&mut env, &pool).await;
    let listed = p_stake_pool_client::tickets_of(
        &[(ticket, ticket_data.clone())],
        &pool.stake_pool.pubkey(),
        &user.pubkey(),
    );
    assert_eq!(listed, vec![(ticket, quoted.lamports, epoch + 1)]);

    // Too early: the stake is still cooling down.
    let claim = claim_unstake(
        &pool.accounts(),
        &stake.pubkey(),
        &user.pubkey(),
        &payer.pubkey(),
        None,
    );
    let watched = [ticket, stake.pubkey(), user.pubkey(), pool.reserve_stake];
    let snapshot = env.snapshot(&watched).await;
    assert_eq!(
        instruction_error(env.send(std::slice::from_ref(&claim), &[]).await),
        InstructionError::Custom(NOT_CLAIMABLE)
    );
    assert_eq!(env.snapshot(&watched).await, snapshot);

    // An epoch with rewards: the rest of the pool earns, the ticket's lamports are fixed.
    env.credit_votes(&vote, 2_000);
    env.next_epoch().await;
    update(&mut env, &pool).await;
    let rewarded = rate(&mut env, &pool).await;
    assert!(rate_not_lower(after, rewarded) && rewarded != after);

    // Anyone claims for the owner: the owner gets exactly what was owed.
    let cranker = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let owner_before = env.lamports(&user.pubkey()).await;
    let payer_before = env.lamports(&payer.pubkey()).await;
    let reserve_before = env.lamports(&pool.reserve_stake).await;
    let stake_balance = env.lamports(&stake.pubkey()).await;
    let ticket_rent = env.lamports(&ticket).await;
    let measured = env.measure(std::slice::from_ref(&claim), &[]).await;
    assert_eq!(
        measured.return_data,
        Some((PROGRAM_ID, quoted.lamports.to_le_bytes().to_vec()))
    );
    println!("ClaimUnstake: {} CU", measured.total);
    let transaction = solana_sdk::transaction::Transaction::new_signed_with_payer(
        std::slice::from_ref(&claim),
        Some(&cranker.pubkey()),
        &[&cranker],
        env.ctx.banks_client.get_latest_blockhash().await.unwrap(),
    );
    env.ctx
        .banks_client
        .process_transaction(transaction)
        .await
        .unwrap();
    assert_eq!(
        env.lamports(&user.pubkey()).await,
        owner_before + quoted.lamports
    );
    assert!(env.account(&ticket).await.is_none(), "ticket closed");
    assert!(
        env.account(&stake.pubkey()).await.is_none(),
        "stake account closed"
    );
    // Rents back to the payer; what the stake earned after the request, to the reserve.
    assert_eq!(
        env.lamports(&payer.pubkey()).await,
        payer_before + ticket_rent + funding
    );
    assert_eq!(
        env.lamports(&pool.reserve_stake).await,
        reserve_before + (stake_balance - funding - quoted.lamports)
    );

    // Twice: the ticket is gone.
    assert_eq!(
        instruction_error(env.send(&[claim], &[]).await),
        InstructionError::Custom(INVALID_TICKET)
    );
    env.next_epoch().await;
    update(&mut env, &pool).await;
    assert_pool_invariants(&mut env, &pool).await;
}

#[tokio::test]
async fn claims_that_are_not_the_owners_are_refused_and_change_nothing() {
    let mut env = start().await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    let other = staked_pool(&mut env, 20 * LAMPORTS_PER_SOL).await;
    // (Creating the second pool crossed an epoch.)
    update(&mut env, &pool).await;
    let payer = env.payer();
    let tokens = env.token_balance(&user_tokens).await / 10;
    let mut stakes = Vec::new();
    for _ in 0..2 {
        let stake = ticket_stake(&mut env).await;
        let ix = request(
            &pool,
            &pool.validator_stake(&vote),
            &stake.pubkey(),
            &user,
            &user_tokens,
            &payer.pubkey(),
            tokens,
        );
        env.send(&[ix], &[&user, &stake]).await.unwrap();
        stakes.push(stake.pubkey());
    }
    let other_stake = ticket_stake(&mut env).await;
    let other_tokens = env.token_balance(&other.user_tokens).await / 10;
    let ix = request(
        &other.pool,
        &other.pool.validator_stake(&other.vote),
        &other_stake.pubkey(),
        &other.user,
        &other.user_tokens,
        &payer.pubkey(),
        other_tokens,
    );
    env.send(&[ix], &[&other.user, &other_stake]).await.unwrap();
    env.next_epoch().await;
    update(&mut env, &pool).await;
    update(&mut env, &other.pool).await;

    let thief = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let claim = |stake: &Pubkey, destination: &Pubkey| {
        claim_unstake(&pool.accounts(), stake, destination, &payer.pubkey(), None)
    };
    let with_account = |mut ix: Instruction, index: usize, account: Pubkey| {
        ix.accounts[index].pubkey = account;
        ix
    };
    let cases: Vec<(&str, Instruction, u32, Vec<&Keypair>)> = vec![
        (
            "another destination without the owner's signature",
            claim(&stakes[0], &thief.pubkey()),
            WRONG_OWNER,
            vec![],
        ),
        (
            "another destination signed by someone else",
            claim_unstake(
                &pool.accounts(),
                &stakes[0],
                &thief.pubkey(),
                &payer.pubkey(),
                Some(&thief.pubkey()),
            ),
            WRONG_OWNER,
            vec![&thief],
        ),
        (
            "the rent going to someone else",
            claim_unstake(
                &pool.accounts(),
                &stakes[0],
                &user.pubkey(),
                &thief.pubkey(),
                None,
            ),
            WRONG_OWNER,
            vec![],
        ),
        (
            "a spoofed ticket (the pool's validator list)",
            with_account(
                claim(&stakes[0], &user.pubkey()),
                0,
                pool.validator_list.pubkey(),
            ),
            INVALID_TICKET,
            vec![],
        ),
        (
            "a ticket from another pool",
            with_account(
                claim(&other_stake.pubkey(), &other.user.pubkey()),
                0,
                ticket_address(&other.pool, &other_stake.pubkey()),
            ),
            INVALID_TICKET,
            vec![],
        ),
        (
            "a stake account swapped under the ticket",
            with_account(claim(&stakes[0], &user.pubkey()), 1, stakes[1]),
            INVALID_TICKET,
            vec![],
        ),
    ];
    let mut watched = pool.state_addresses();
    watched.extend(stakes.iter().map(|stake| ticket_address(&pool, stake)));
    watched.extend(stakes.iter().copied());
    watched.extend([user.pubkey(), thief.pubkey(), other_stake.pubkey()]);
    for (name, ix, code, signers) in cases {
        let before = env.snapshot(&watched).await;
        let result = env.send(&[ix], &signers).await;
        assert_eq!(
            instruction_error(result),
            InstructionError::Custom(code),
            "{name}"
        );
        assert_eq!(
            env.snapshot(&watched).await,
            before,
            "{name} changed an account"
        );
    }

    // The owner may send its lamports elsewhere by signing.
    let elsewhere = Pubkey::new_unique();
    let data = env
        .account(&ticket_address(&pool, &stakes[1]))
        .await
        .unwrap()
        .data;
    let owed = state::UnstakeTicket::load(&data).unwrap().lamports_owed();
    let ix = claim_unstake(
        &pool.accounts(),
        &stakes[1],
        &elsewhere,
        &payer.pubkey(),
        Some(&user.pubkey()),
    );
    env.send(&[ix], &[&user]).await.unwrap();
    assert_eq!(env.lamports(&elsewhere).await, owed);
}

#[tokio::test]
async fn request_served_by_the_reserve_is_claimable_at_once_when_validators_sit_at_the_minimum() {
    let mut env = start().await;
    // Two validators sitting at the pool's minimum: none has stake to spare, so the reserve
    // pays, as for `WithdrawStake` — users still get out.
    let (pool, user, user_tokens, _) = pool_at_the_minimum(&mut env, 2).await;
    let payer = env.payer();
    let stake = ticket_stake(&mut env).await;
    let tokens = env.token_balance(&user_tokens).await / 4;
    let epoch = env.epoch().await;
    let data = env.account(&pool.stake_pool.pubkey()).await.unwrap().data;
    let quoted = quote::withdraw_stake(&data, tokens, epoch).unwrap();
    let ix = request(
        &pool,
        &pool.reserve_stake,
        &stake.pubkey(),
        &user,
        &user_tokens,
        &payer.pubkey(),
        tokens,
    );
    env.send(&[ix], &[&user, &stake]).await.unwrap();
    let before = env.lamports(&user.pubkey()).await;
    let claim = claim_unstake(
        &pool.accounts(),
        &stake.pubkey(),
        &user.pubkey(),
        &payer.pubkey(),
        None,
    );
    env.send(&[claim], &[]).await.unwrap();
    assert_eq!(env.lamports(&user.pubkey()).await, before + quoted.lamports);
    assert_pool_invariants(&mut env, &pool).await;
}

#[tokio::test]
async fn requests_below_a_stake_split_are_refused() {
    let mut env = start().await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    let payer = env.payer();
    let stake = ticket_stake(&mut env).await;
    let minimum = env.stake_minimum_delegation().await;
    // Worth less than the stake program's minimum delegation (1 SOL: the Core BPF stake
    // program 5.1.0 answers 1 SOL on both profiles), or nothing at all.
    let tokens = if minimum > 1 { minimum / 2 } else { 0 };
    let mut watched = pool.state_addresses();
    watched.extend([
        stake.pubkey(),
        user_tokens,
        ticket_address(&pool, &stake.pubkey()),
    ]);
    let before = env.snapshot(&watched).await;
    let ix = request(
        &pool,
        &pool.validator_stake(&vote),
        &stake.pubkey(),
        &user,
        &user_tokens,
        &payer.pubkey(),
        tokens,
    );
    assert_pool_error(
        env.send(&[ix], &[&user, &stake]).await,
        spl_stake_pool::error::StakePoolError::WithdrawalTooSmall,
    );
    assert_eq!(env.snapshot(&watched).await, before);
}

/// The third review's second finding. With every validator at the minimum (so tickets are
/// split from the reserve), a validator V is removed; once its stake P has cooled down, one
/// transaction runs the crank (which merges P into the reserve, leaving an empty,
/// uninitialized stake account at P's address), sends P its rent, and requests a ticket into
/// P. A later crank would have absorbed P (Initialized, the pool's authorities) into the
/// reserve as a reward while the ticket still paid out. The ticket's stake account must sign,
/// which no pool PDA can: refused with `SignatureMissing`, nothing changed. The same
/// transaction without the request succeeds (simulated), so the refusal is the request's.
///
/// On the Core BPF stake program this bank runs (5.1.0), the route was already closed one
/// step later: a drained stake account keeps no data (after this merge, and after a
/// whole-account `WithdrawStake`), so the split into P fails with `InvalidAccountData` — which
/// is what the binary before the fix answers here. The signature requirement closes it
/// whatever the stake program does with drained accounts.
#[tokio::test]
async fn a_ticket_at_a_pool_pda_is_refused() {
    let mut env = start().await;
    let (pool, user, user_tokens, votes) = pool_at_the_minimum(&mut env, 2).await;
    let state = spl_pool_state(&mut env, &pool).await;
    let remove = spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
        &pool.program_id,
        &state,
        &pool.stake_pool.pubkey(),
        &votes[0],
        None,
        0,
    );
    env.send(&[remove], &[&pool.staker]).await.unwrap();
    env.next_epoch().await;

    // The epoch's crank without its cleanup (which would drop V's entry), then the refund.
    let victim_stake = pool.validator_stake(&votes[0]);
    let mut attack: Vec<Instruction> = full_update_instructions(&mut env, &pool)
        .await
        .into_iter()
        .flatten()
        .filter(|instruction| instruction.data.first() != Some(&8))
        .collect();
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    attack.push(solana_system_interface::instruction::transfer(
        &env.payer().pubkey(),
        &victim_stake,
        rent,
    ));
    env.measure(&attack, &[]).await;

    let payer = env.payer();
    let mut ticket_into_pda = request(
        &pool,
        &pool.reserve_stake,
        &victim_stake,
        &user,
        &user_tokens,
        &payer.pubkey(),
        env.token_balance(&user_tokens).await / 4,
    );
    // P cannot sign; the attacker's transaction names it as a plain account.
    ticket_into_pda.accounts[4].is_signer = false;
    attack.push(ticket_into_pda);
    let mut watched = pool.state_addresses();
    watched.extend([
        victim_stake,
        user_tokens,
        ticket_address(&pool, &victim_stake),
    ]);
    let before = env.snapshot(&watched).await;
    assert_pool_error(
        env.send(&attack, &[&user]).await,
        spl_stake_pool::error::StakePoolError::SignatureMissing,
    );
    assert_eq!(env.snapshot(&watched).await, before);
}

/// The other half of the second finding: an entry whose validator stake is gone (here emptied
/// by a whole-account withdrawal: `ReadyForRemoval`) expects no account at its address. An
/// Initialized stake account under the pool's authorities appearing there (only the pool
/// itself could put one there; the test places it directly) is left alone by the crank,
/// where the reference would merge it into the reserve and count it as a reward.
#[tokio::test]
async fn the_crank_leaves_an_account_at_a_removed_entrys_address_alone() {
    let mut env = start().await;
    let (pool, user, user_tokens, votes) = pool_at_the_minimum(&mut env, 1).await;
    let vote = votes[0];

    let validator_stake = pool.validator_stake(&vote);
    let whole = env.lamports(&validator_stake).await;
    let state = spl_pool_state(&mut env, &pool).await;
    let receiver = ticket_stake(&mut env).await;
    let empty = spl_stake_pool::instruction::withdraw_stake(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        &validator_stake,
        &receiver.pubkey(),
        &user.pubkey(),
        &user.pubkey(),
        &user_tokens,
        &pool.manager_fee_account,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
        pool_tokens_worth(&state, whole),
    );
    env.send(&[empty], &[&user]).await.unwrap();
    let list = spl_validator_list(&mut env, &pool).await;
    assert_eq!(
        list.validators[0].status,
        spl_stake_pool::state::StakeStatus::ReadyForRemoval.into()
    );

    // An Initialized stake account with the pool's authorities, placed at the entry's address.
    let stray = env
        .create_stake_account(
            &pool.withdraw_authority,
            &pool.withdraw_authority,
            2 * LAMPORTS_PER_SOL,
            Default::default(),
        )
        .await;
    let account = env.account(&stray).await.unwrap();
    env.ctx.set_account(&validator_stake, &account.into());

    let before = env.snapshot(&[validator_stake, pool.reserve_stake]).await;
    update(&mut env, &pool).await;
    assert_eq!(
        env.snapshot(&[validator_stake, pool.reserve_stake]).await,
        before,
        "the crank absorbed an account the entry does not expect"
    );
    // The update's cleanup then drops the entry, with nothing counted for it.
    assert!(spl_validator_list(&mut env, &pool)
        .await
        .validators
        .is_empty());
    assert_pool_invariants(&mut env, &pool).await;
}

/// The third review's fifth finding: requests that would leave a ticket unclaimable for ever
/// (the owner's SOL frozen) are refused, each with its error and nothing changed: a ticket
/// stake account that does not sign, a rent payer that does not sign (the ticket PDA already
/// funded, so no transfer would have needed the signature), the ticket or its stake account
/// named as the owner or the rent payer, a program or a sysvar as the owner (never credited),
/// a ticket stake account funded below its rent.
#[tokio::test]
async fn requests_that_would_freeze_the_owners_sol_are_refused() {
    let mut env = start().await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    let payer = env.payer();
    let stake = ticket_stake(&mut env).await;
    let ticket = ticket_address(&pool, &stake.pubkey());
    let tokens = env.token_balance(&user_tokens).await / 10;
    let split_from = pool.validator_stake(&vote);
    let honest = request(
        &pool,
        &split_from,
        &stake.pubkey(),
        &user,
        &user_tokens,
        &payer.pubkey(),
        tokens,
    );
    // The ticket PDA is pre-funded: its creation then moves nothing from the rent payer.
    let ticket_rent = env.rent_exempt(state::TICKET_LEN).await;
    env.transfer(&ticket, ticket_rent).await;
    let rent_payer = env.funded_keypair(LAMPORTS_PER_SOL).await;

    let with = |index: usize, address: Pubkey, signs: bool| {
        let mut instruction = honest.clone();
        instruction.accounts[index].pubkey = address;
        instruction.accounts[index].is_signer = signs;
        instruction
    };
    let signature_missing =
        InstructionError::Custom(spl_stake_pool::error::StakePoolError::SignatureMissing as u32);
    let cases: Vec<(&str, Instruction, Vec<&Keypair>, InstructionError)> = vec![
        (
            "ticket stake account not signing",
            with(4, stake.pubkey(), false),
            vec![&user],
            signature_missing.clone(),
        ),
        (
            "rent payer not signing (ticket pre-funded)",
            with(14, rent_payer.pubkey(), false),
            vec![&user, &stake],
            signature_missing,
        ),
        (
            "the ticket stake account as the rent payer",
            with(14, stake.pubkey(), true),
            vec![&user, &stake],
            InstructionError::Custom(WRONG_OWNER),
        ),
        (
            "the ticket as the owner",
            with(5, ticket, false),
            vec![&user, &stake],
            InstructionError::Custom(WRONG_OWNER),
        ),
        (
            "the ticket stake account as the owner",
            with(5, stake.pubkey(), false),
            vec![&user, &stake],
            InstructionError::Custom(WRONG_OWNER),
        ),
        (
            // The runtime never lets a program's account be credited.
            "a program as the owner",
            with(5, PROGRAM_ID, false),
            vec![&user, &stake],
            InstructionError::Custom(WRONG_OWNER),
        ),
        (
            "a sysvar as the owner",
            with(5, p_stake_pool_client::CLOCK_SYSVAR_ID, false),
            vec![&user, &stake],
            InstructionError::Custom(WRONG_OWNER),
        ),
    ];
    let mut watched = pool.state_addresses();
    watched.extend([
        stake.pubkey(),
        ticket,
        user_tokens,
        user.pubkey(),
        rent_payer.pubkey(),
    ]);
    for (name, instruction, signers, expected) in cases {
        let before = env.snapshot(&watched).await;
        let result = env.send(&[instruction], &signers).await;
        assert_eq!(instruction_error(result), expected, "{name}");
        assert_eq!(
            env.snapshot(&watched).await,
            before,
            "{name} changed an account"
        );
    }

    // Funded below its rent, in the same transaction as the request (an account below rent
    // cannot exist on its own): the claim's last withdrawal could never close it.
    let underfunded = env.new_keypair();
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    let create = solana_system_interface::instruction::create_account(
        &payer.pubkey(),
        &underfunded.pubkey(),
        rent / 2,
        STAKE_ACCOUNT_LEN as u64,
        &solana_stake_interface::program::id(),
    );
    let into_underfunded = request(
        &pool,
        &split_from,
        &underfunded.pubkey(),
        &user,
        &user_tokens,
        &payer.pubkey(),
        tokens,
    );
    let before = env.snapshot(&watched).await;
    assert_eq!(
        instruction_error(
            env.send(&[create, into_underfunded], &[&user, &underfunded])
                .await
        ),
        InstructionError::AccountNotRentExempt
    );
    assert_eq!(env.snapshot(&watched).await, before);
    assert!(env.account(&underfunded.pubkey()).await.is_none());

    // The honest request, with the pre-funded ticket, still works.
    env.send(&[honest], &[&user, &stake]).await.unwrap();
    assert!(env.account(&ticket).await.is_some());
}

/// One step of a random history with tickets.
#[derive(Debug, Clone)]
enum Step {
    DepositSol {
        user: usize,
        sol: u64,
    },
    WithdrawSol {
        user: usize,
        permille: u64,
    },
    Request {
        user: usize,
        permille: u64,
    },
    Claim {
        ticket: usize,
    },
    Epoch,
    /// The staker moves `sol` SOL from the reserve to the validator.
    Increase {
        sol: u64,
    },
    /// The staker moves a share of the validator's stake back toward the reserve.
    Decrease {
        permille: u64,
    },
    /// A user leaves with a stake account instead of a ticket.
    WithdrawStake {
        user: usize,
        permille: u64,
    },
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        1 => (0usize..3, 1u64..30).prop_map(|(user, sol)| Step::DepositSol { user, sol }),
        1 => (0usize..3, 1u64..300)
            .prop_map(|(user, permille)| Step::WithdrawSol { user, permille }),
        2 => (0usize..3, 1u64..400).prop_map(|(user, permille)| Step::Request { user, permille }),
        2 => (0usize..8).prop_map(|ticket| Step::Claim { ticket }),
        2 => Just(Step::Epoch),
        1 => (1u64..20).prop_map(|sol| Step::Increase { sol }),
        1 => (1u64..500).prop_map(|permille| Step::Decrease { permille }),
        1 => (0usize..3, 1u64..300)
            .prop_map(|(user, permille)| Step::WithdrawStake { user, permille }),
    ]
}

/// Random histories mixing tickets with SOL deposits and withdrawals, stake withdrawals, the
/// staker's increases and decreases, and epochs with rewards and the update: every claim pays
/// exactly what its request owed, a request never lowers the exchange rate, and the pool's
/// invariants hold after every update.
#[test]
fn random_histories_with_tickets_keep_the_pool_whole() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 16,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    runner
        .run(&proptest::collection::vec(step(), 8..20), |steps| {
            runtime.block_on(history(&steps));
            Ok(())
        })
        .unwrap();
}

async fn history(steps: &[Step]) {
    let mut env = start().await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 40 * LAMPORTS_PER_SOL).await;
    let payer = env.payer();
    let mut users = vec![(user, user_tokens)];
    for _ in 0..2 {
        let (keypair, tokens) = env.pool_user(&pool, 100 * LAMPORTS_PER_SOL).await;
        let ix = deposit_sol_instruction(
            &pool,
            &keypair.pubkey(),
            &tokens,
            &tokens,
            20 * LAMPORTS_PER_SOL,
        );
        env.send(&[ix], &[&keypair]).await.unwrap();
        users.push((keypair, tokens));
    }
    let mut transient_seed = 10;
    // (stake account, owner, owed, claimed)
    let mut tickets: Vec<(Pubkey, Pubkey, u64, bool)> = Vec::new();
    for step in steps {
        let epoch = env.epoch().await;
        match *step {
            Step::DepositSol { user, sol } => {
                let (keypair, tokens) = &users[user];
                let ix = deposit_sol_instruction(
                    &pool,
                    &keypair.pubkey(),
                    tokens,
                    tokens,
                    sol * LAMPORTS_PER_SOL / 10,
                );
                let _ = env.send(&[ix], &[keypair]).await;
            }
            Step::WithdrawSol { user, permille } => {
                let (keypair, tokens) = &users[user];
                let amount = env.token_balance(tokens).await * permille / 1_000;
                let ix = withdraw_sol_instruction(
                    &pool,
                    &keypair.pubkey(),
                    tokens,
                    &keypair.pubkey(),
                    amount,
                );
                let _ = env.send(&[ix], &[keypair]).await;
            }
            Step::Request { user, permille } => {
                let (keypair, tokens) = &users[user];
                let amount = env.token_balance(tokens).await * permille / 1_000;
                let stake = ticket_stake(&mut env).await;
                let before = rate(&mut env, &pool).await;
                // From the validator while it has stake to spare, else from the reserve.
                for split_from in [pool.validator_stake(&vote), pool.reserve_stake] {
                    let ix = request(
                        &pool,
                        &split_from,
                        &stake.pubkey(),
                        keypair,
                        tokens,
                        &payer.pubkey(),
                        amount,
                    );
                    if env.send(&[ix], &[keypair, &stake]).await.is_ok() {
                        let data = env
                            .account(&ticket_address(&pool, &stake.pubkey()))
                            .await
                            .unwrap()
                            .data;
                        let owed = state::UnstakeTicket::load(&data).unwrap().lamports_owed();
                        tickets.push((stake.pubkey(), keypair.pubkey(), owed, false));
                        assert!(rate_not_lower(before, rate(&mut env, &pool).await));
                        break;
                    }
                }
            }
            Step::Claim { ticket } => {
                if tickets.is_empty() {
                    continue;
                }
                let count = tickets.len();
                let entry = &mut tickets[ticket % count];
                let (stake, owner, owed, claimed) = *entry;
                let ticket_account = ticket_address(&pool, &stake);
                let claimable = match env.account(&ticket_account).await {
                    Some(account) => {
                        state::UnstakeTicket::load(&account.data)
                            .unwrap()
                            .claimable_epoch()
                            <= epoch
                    }
                    None => false,
                };
                let before = env.lamports(&owner).await;
                let ix = claim_unstake(&pool.accounts(), &stake, &owner, &payer.pubkey(), None);
                let result = env.send(&[ix], &[]).await;
                if claimed {
                    assert_eq!(
                        instruction_error(result),
                        InstructionError::Custom(INVALID_TICKET)
                    );
                } else if claimable {
                    result.unwrap();
                    assert_eq!(
                        env.lamports(&owner).await,
                        before + owed,
                        "a claim pays what was owed"
                    );
                    entry.3 = true;
                } else {
                    assert_eq!(
                        instruction_error(result),
                        InstructionError::Custom(NOT_CLAIMABLE)
                    );
                }
            }
            Step::Increase { sol } => {
                transient_seed += 1;
                // Refused when the reserve is short or a transient is in flight.
                let _ = increase_validator_stake(
                    &mut env,
                    &pool,
                    &vote,
                    sol * LAMPORTS_PER_SOL,
                    transient_seed,
                )
                .await;
            }
            Step::Decrease { permille } => {
                transient_seed += 1;
                let state = spl_pool_state(&mut env, &pool).await;
                let list = spl_validator_list(&mut env, &pool).await;
                let active = u64::from(list.validators[0].active_stake_lamports);
                let ix = spl_stake_pool::instruction::decrease_validator_stake_with_vote(
                    &PROGRAM_ID,
                    &state,
                    &pool.stake_pool.pubkey(),
                    &vote,
                    active * permille / 1_000,
                    None,
                    transient_seed,
                );
                let _ = env.send(&[ix], &[&pool.staker]).await;
            }
            Step::WithdrawStake { user, permille } => {
                let (keypair, tokens) = &users[user];
                let amount = env.token_balance(tokens).await * permille / 1_000;
                let receiver = ticket_stake(&mut env).await;
                let ix = spl_stake_pool::instruction::withdraw_stake(
                    &PROGRAM_ID,
                    &pool.stake_pool.pubkey(),
                    &pool.validator_list.pubkey(),
                    &pool.withdraw_authority,
                    &pool.validator_stake(&vote),
                    &receiver.pubkey(),
                    &keypair.pubkey(),
                    &keypair.pubkey(),
                    tokens,
                    &pool.manager_fee_account,
                    &pool.pool_mint.pubkey(),
                    &pool.token_program,
                    amount,
                );
                let _ = env.send(&[ix], &[keypair]).await;
            }
            Step::Epoch => {
                env.credit_votes(&vote, 1_000);
                env.next_epoch().await;
                update(&mut env, &pool).await;
                assert_pool_invariants(&mut env, &pool).await;
            }
        }
    }
    env.next_epoch().await;
    update(&mut env, &pool).await;
    assert_pool_invariants(&mut env, &pool).await;
}
