//! The depositor's commands. Each quotes the operation with the interface's own formulas
//! (`quote`), refuses what the program would refuse with a plain message, and sends the
//! instruction with a slippage floor when one is given (`--minimum-…`).

use anyhow::{anyhow, bail, Result};
use clap::Args;
use p_stake_pool_client::{self as client, quote, STAKE_PROGRAM_ID};
use serde_json::json;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_stake_interface::state::StakeStateV2;

use crate::{chain::sent_report, staking::STAKE_ACCOUNT_LEN};
use crate::{
    chain::{format_amount, parse_amount, Ctx, Sent, Step},
    pool::Pool,
    Report,
};

#[derive(Args)]
pub struct DepositSol {
    pub pool: Pubkey,
    /// SOL to deposit
    pub amount: String,
    /// Who the SOL comes from (a signer, as --keypair) [default: the default signer]
    #[arg(long)]
    pub from: Option<String>,
    /// Token account that receives the pool tokens [default: the default signer's associated account,
    /// created if missing]
    #[arg(long)]
    pub token_receiver: Option<Pubkey>,
    /// Token account that receives the referral fee [default: the receiver]
    #[arg(long)]
    pub referrer: Option<Pubkey>,
    /// Signer of the pool's SOL deposit authority, when it has one
    #[arg(long)]
    pub deposit_authority: Option<String>,
    /// Fail unless at least this many pool tokens are received
    #[arg(long)]
    pub minimum_pool_tokens_out: Option<String>,
}

#[derive(Args)]
pub struct WithdrawSol {
    pub pool: Pubkey,
    /// Pool tokens to burn
    pub amount: String,
    /// Token account the pool tokens come from (owned by the default signer) [default: its
    /// associated account]
    #[arg(long)]
    pub from_token_account: Option<Pubkey>,
    /// Account that receives the SOL [default: the default signer]
    #[arg(long)]
    pub to: Option<Pubkey>,
    /// Signer of the pool's SOL withdraw authority, when it has one
    #[arg(long)]
    pub withdraw_authority: Option<String>,
    /// Fail unless at least this many SOL are received
    #[arg(long)]
    pub minimum_lamports_out: Option<String>,
}

#[derive(Args)]
pub struct DepositStake {
    pub pool: Pubkey,
    /// The stake account (active, delegated to one of the pool's validators)
    pub stake_account: Pubkey,
    /// The stake account's withdraw authority (a signer) [default: the default signer]
    #[arg(long)]
    pub withdraw_authority: Option<String>,
    /// Token account that receives the pool tokens [default: the default signer's associated account]
    #[arg(long)]
    pub token_receiver: Option<Pubkey>,
    /// Token account that receives the referral fee [default: the receiver]
    #[arg(long)]
    pub referrer: Option<Pubkey>,
    /// Signer of the pool's stake deposit authority, when it has one
    #[arg(long)]
    pub deposit_authority: Option<String>,
    /// Fail unless at least this many pool tokens are received
    #[arg(long)]
    pub minimum_pool_tokens_out: Option<String>,
}

#[derive(Args)]
pub struct DepositAllStake {
    pub pool: Pubkey,
    /// The stake accounts' withdraw authority (a signer) [default: the default signer]
    #[arg(long)]
    pub withdraw_authority: Option<String>,
    /// Token account that receives the pool tokens [default: the default signer's associated account]
    #[arg(long)]
    pub token_receiver: Option<Pubkey>,
    /// Signer of the pool's stake deposit authority, when it has one
    #[arg(long)]
    pub deposit_authority: Option<String>,
}

#[derive(Args)]
pub struct WithdrawStake {
    pub pool: Pubkey,
    /// Pool tokens to burn
    pub amount: String,
    /// Take the stake from this validator [default: the preferred withdraw validator, else
    /// the validators with the most stake]
    #[arg(long)]
    pub vote_account: Option<Pubkey>,
    /// Take the stake from the reserve (only allowed once no validator has stake to give)
    #[arg(long, conflicts_with = "vote_account")]
    pub use_reserve: bool,
    /// Token account the pool tokens come from [default: the default signer's associated account]
    #[arg(long)]
    pub from_token_account: Option<Pubkey>,
    /// Authority of the new stake accounts [default: the default signer]
    #[arg(long)]
    pub stake_receiver: Option<Pubkey>,
    /// Fail unless at least this many SOL are received in all
    #[arg(long)]
    pub minimum_lamports_out: Option<String>,
}

/// An owner's associated token account for the pool mint.
fn associated_account(owner: &Pubkey, pool: &Pool) -> Pubkey {
    spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        owner,
        &pool.accounts.pool_mint,
        &pool.accounts.token_program_id,
    )
}

/// Token balance of `account` (0 when it does not exist yet).
async fn token_balance(ctx: &Ctx, account: &Pubkey) -> Result<u64> {
    Ok(match ctx.account(account).await? {
        Some(account) if account.data.len() >= 72 => {
            u64::from_le_bytes(account.data[64..72].try_into().expect("8 bytes"))
        }
        _ => 0,
    })
}

/// The receiver of pool tokens, and the instruction creating it when it is the default
/// associated account and does not exist yet.
async fn receiver(
    ctx: &Ctx,
    pool: &Pool,
    given: Option<Pubkey>,
) -> Result<(Pubkey, Vec<solana_instruction::Instruction>)> {
    if let Some(account) = given {
        return Ok((account, Vec::new()));
    }
    // The default signer's account, paid for by the fee payer.
    let owner = ctx.default_signer()?.pubkey();
    let account = associated_account(&owner, pool);
    let create = if ctx.account(&account).await?.is_none() {
        vec![
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &ctx.payer(),
                &owner,
                &pool.accounts.pool_mint,
                &pool.accounts.token_program_id,
            ),
        ]
    } else {
        Vec::new()
    };
    Ok((account, create))
}

/// The program's error for a quote that fails, in words.
fn refused(error: solana_program_error::ProgramError) -> anyhow::Error {
    match error {
        solana_program_error::ProgramError::Custom(code) => match client::error::describe(code) {
            Some((name, meaning)) => anyhow!("the pool would refuse this: {name}: {meaning}"),
            None => anyhow!("the pool would refuse this (error {code})"),
        },
        other => anyhow!("the pool would refuse this: {other}"),
    }
}

/// Pool tokens the receiving account gets from a deposit: the depositor's share, plus the
/// referral share when the receiver is its own referrer.
fn received_by(
    split: &p_stake_pool_interface::math::DepositSplit,
    receiver: &Pubkey,
    referrer: &Pubkey,
) -> u64 {
    if receiver == referrer {
        split.user.saturating_add(split.referral_fee)
    } else {
        split.user
    }
}

fn optional_amount(text: Option<&str>) -> Result<Option<u64>> {
    text.map(parse_amount).transpose()
}

/// One of the interface's withdrawal quotes (`quote::withdraw_sol`, `quote::withdraw_stake`).
type WithdrawalQuote = fn(
    &[u8],
    u64,
    u64,
) -> Result<
    p_stake_pool_interface::math::WithdrawalSplit,
    solana_program_error::ProgramError,
>;

/// What a withdrawal command asks for, before anything is checked.
struct WithdrawalRequest<'a> {
    amount: &'a str,
    from_token_account: Option<Pubkey>,
    minimum_lamports_out: Option<&'a str>,
    quote: WithdrawalQuote,
}

/// A withdrawal that passed the checks both withdrawals share.
struct Withdrawal {
    pool: Pool,
    epoch: u64,
    /// The token account the pool tokens are burnt from.
    source: Pubkey,
    pool_tokens: u64,
    /// The quote for all of `pool_tokens`.
    expected: p_stake_pool_interface::math::WithdrawalSplit,
    minimum: Option<u64>,
    /// The quote that applies to this source.
    quote: WithdrawalQuote,
}

/// The checks every withdrawal makes before building anything, each refusing with a plain
/// message: a positive amount, a pool that is current, a source holding the tokens, and a
/// quote the program would accept that meets the slippage floor. Tokens burnt from the
/// manager's fee account pay no withdrawal fee, so that source is quoted without one.
async fn withdrawal_start(
    ctx: &Ctx,
    address: &Pubkey,
    request: WithdrawalRequest<'_>,
) -> Result<Withdrawal> {
    let pool_tokens = parse_amount(request.amount)?;
    if pool_tokens == 0 {
        bail!("the amount must be more than zero");
    }
    let pool = Pool::load(ctx, address).await?;
    let epoch = ctx.epoch().await?;
    pool.require_current(epoch)?;
    let owner = ctx.default_signer()?;
    let source = request
        .from_token_account
        .unwrap_or_else(|| associated_account(&owner.pubkey(), &pool));
    let held = token_balance(ctx, &source).await?;
    if held < pool_tokens {
        bail!(
            "insufficient pool tokens: {source} holds {}, the withdrawal is {}",
            format_amount(held),
            format_amount(pool_tokens)
        );
    }
    let quote = if source == pool.accounts.manager_fee_account {
        quote::fee_free_withdrawal
    } else {
        request.quote
    };
    let expected = quote(&pool.data, pool_tokens, epoch).map_err(refused)?;
    let minimum = optional_amount(request.minimum_lamports_out)?;
    if let Some(minimum) = minimum {
        if expected.lamports < minimum {
            bail!(
                "the withdrawal would pay {} SOL, less than --minimum-lamports-out {}",
                format_amount(expected.lamports),
                format_amount(minimum)
            );
        }
    }
    Ok(Withdrawal {
        pool,
        epoch,
        source,
        pool_tokens,
        expected,
        minimum,
        quote,
    })
}

/// The pool's stake deposit authority when it is not the program's own PDA (then it must
/// sign every stake deposit).
fn custom_stake_deposit_authority(pool: &Pool) -> Option<Pubkey> {
    let default = client::find_deposit_authority(&pool.accounts.program_id, &pool.address).0;
    (pool.stake_deposit_authority != default).then_some(pool.stake_deposit_authority)
}

/// The signer of a pool's funding authority for `what` (SOL deposits, SOL withdrawals),
/// from `flag`'s signer source. Refused before anything is sent when the pool has such an
/// authority and the signer given is not it (the program would refuse the instruction).
fn funding_authority(
    ctx: &Ctx,
    pool: &Pool,
    source: Option<&str>,
    required: Option<Pubkey>,
    what: &str,
    flag: &str,
) -> Result<Option<std::rc::Rc<dyn Signer>>> {
    let authority = source
        .map(|source| ctx.keys.resolve(source, flag.trim_start_matches("--")))
        .transpose()?;
    if let Some(required) = required {
        if authority.as_ref().map(|a| a.pubkey()) != Some(required) {
            bail!(
                "pool {} takes {what} only signed by its authority {required}: pass {flag}",
                pool.address
            );
        }
    }
    Ok(authority)
}

pub async fn deposit_sol(ctx: &Ctx, args: &DepositSol) -> Result<Report> {
    let lamports = parse_amount(&args.amount)?;
    if lamports == 0 {
        bail!("the amount must be more than zero");
    }
    let pool = Pool::load(ctx, &args.pool).await?;
    let epoch = ctx.epoch().await?;
    pool.require_current(epoch)?;
    let from = ctx.signer_or_default(args.from.as_deref(), "from")?;
    let balance = ctx.rpc.get_balance(&from.pubkey()).await?;
    if balance < lamports {
        bail!(
            "insufficient funds: {} has {} SOL, the deposit is {} SOL",
            from.pubkey(),
            format_amount(balance),
            format_amount(lamports)
        );
    }
    let expected = quote::deposit_sol(&pool.data, lamports, epoch).map_err(refused)?;
    let minimum = optional_amount(args.minimum_pool_tokens_out.as_deref())?;
    if let Some(minimum) = minimum {
        if expected.user < minimum {
            bail!(
                "the deposit would mint {} pool tokens, less than --minimum-pool-tokens-out {}",
                format_amount(expected.user),
                format_amount(minimum)
            );
        }
    }
    let authority = funding_authority(
        ctx,
        &pool,
        args.deposit_authority.as_deref(),
        pool.tail.sol_deposit_authority,
        "SOL deposits",
        "--deposit-authority",
    )?;
    let (destination, mut instructions) = receiver(ctx, &pool, args.token_receiver).await?;
    let referrer = args.referrer.unwrap_or(destination);
    let quoted = received_by(&expected, &destination, &referrer);
    let before = token_balance(ctx, &destination).await?;
    instructions.push(client::deposit_sol(
        &pool.accounts,
        &from.pubkey(),
        &destination,
        &referrer,
        lamports,
        minimum,
        authority.as_ref().map(|a| a.pubkey()),
    ));
    let mut step = Step::new("DepositSol", instructions).signed_by(from.as_ref());
    if let Some(authority) = &authority {
        step = step.signed_by(authority.as_ref());
    }
    let sent = ctx.send(step).await?;
    let received = if ctx.dry_run {
        quoted
    } else {
        token_balance(ctx, &destination)
            .await?
            .saturating_sub(before)
    };
    Ok(sent_report(
        format!(
            "Deposited {} SOL into {}: {} pool tokens to {destination}",
            format_amount(lamports),
            pool.address,
            format_amount(received)
        ),
        &[sent],
        json!({
            "lamports": lamports,
            "poolTokens": received,
            "quotedPoolTokens": quoted,
            "tokenReceiver": destination.to_string(),
        }),
    ))
}

pub async fn withdraw_sol(ctx: &Ctx, args: &WithdrawSol) -> Result<Report> {
    let Withdrawal {
        pool,
        source,
        pool_tokens,
        expected,
        minimum,
        ..
    } = withdrawal_start(
        ctx,
        &args.pool,
        WithdrawalRequest {
            amount: &args.amount,
            from_token_account: args.from_token_account,
            minimum_lamports_out: args.minimum_lamports_out.as_deref(),
            quote: quote::withdraw_sol,
        },
    )
    .await?;
    let authority = funding_authority(
        ctx,
        &pool,
        args.withdraw_authority.as_deref(),
        pool.tail.sol_withdraw_authority,
        "SOL withdrawals",
        "--withdraw-authority",
    )?;
    let owner = ctx.default_signer()?;
    let to = args.to.unwrap_or(owner.pubkey());
    let before = ctx.rpc.get_balance(&to).await?;
    let mut step = Step::new(
        "WithdrawSol",
        vec![client::withdraw_sol(
            &pool.accounts,
            &owner.pubkey(),
            &source,
            &to,
            pool_tokens,
            minimum,
            authority.as_ref().map(|a| a.pubkey()),
        )],
    )
    .signed_by(owner.as_ref());
    if let Some(authority) = &authority {
        step = step.signed_by(authority.as_ref());
    }
    let sent = ctx.send(step).await?;
    let received = if ctx.dry_run {
        expected.lamports
    } else {
        // The payer's balance also paid the fee when it is the receiver.
        let after = ctx.rpc.get_balance(&to).await?;
        let fee = if to == ctx.payer() { sent.fee } else { 0 };
        (after + fee).saturating_sub(before)
    };
    Ok(sent_report(
        format!(
            "Withdrew {} SOL from {} for {} pool tokens",
            format_amount(received),
            pool.address,
            format_amount(pool_tokens)
        ),
        &[sent],
        json!({
            "poolTokens": pool_tokens,
            "lamports": received,
            "quotedLamports": expected.lamports,
            "receiver": to.to_string(),
        }),
    ))
}

/// A stake account as the deposit needs it.
struct UserStake {
    address: Pubkey,
    lamports: u64,
    voter: Pubkey,
    delegated: u64,
    activation_epoch: u64,
    deactivation_epoch: u64,
    withdrawer: Pubkey,
}

fn decode_stake(address: Pubkey, account: &solana_account::Account) -> Result<UserStake> {
    if account.owner != STAKE_PROGRAM_ID {
        bail!("{address} is not a stake account");
    }
    let state: StakeStateV2 = bincode::deserialize(&account.data)
        .map_err(|_| anyhow!("{address} is not a stake account"))?;
    let (Some(delegation), Some(authorized)) = (state.delegation(), state.authorized()) else {
        bail!("stake account {address} is not delegated");
    };
    Ok(UserStake {
        address,
        lamports: account.lamports,
        voter: delegation.voter_pubkey,
        delegated: delegation.stake,
        activation_epoch: delegation.activation_epoch,
        deactivation_epoch: delegation.deactivation_epoch,
        withdrawer: authorized.withdrawer,
    })
}

/// The instructions and quote of one stake deposit.
struct StakeDeposit {
    instructions: Vec<solana_instruction::Instruction>,
    quoted: u64,
}

fn stake_deposit(
    pool: &Pool,
    stake: &UserStake,
    withdrawer: &Pubkey,
    destination: &Pubkey,
    referrer: &Pubkey,
    minimum: Option<u64>,
    epoch: u64,
) -> Result<StakeDeposit> {
    if stake.withdrawer != *withdrawer {
        bail!(
            "{withdrawer} is not the withdraw authority of stake account {} (it is {})",
            stake.address,
            stake.withdrawer
        );
    }
    if stake.deactivation_epoch != u64::MAX {
        bail!("stake account {} is deactivating", stake.address);
    }
    let validator = pool.validator(&stake.voter).map_err(|_| {
        anyhow!(
            "stake account {} is delegated to {}, which is not one of pool {}'s validators",
            stake.address,
            stake.voter,
            pool.address
        )
    })?;
    let split = quote::deposit_stake(&pool.data, stake.lamports, stake.delegated, epoch)
        .map_err(refused)?;
    let quoted = received_by(&split, destination, referrer);
    if let Some(minimum) = minimum {
        if split.user < minimum {
            bail!(
                "the deposit would mint {} pool tokens, less than --minimum-pool-tokens-out {}",
                format_amount(split.user),
                format_amount(minimum)
            );
        }
    }
    let instructions = client::deposit_stake(
        &pool.accounts,
        custom_stake_deposit_authority(pool).as_ref(),
        &stake.address,
        withdrawer,
        &validator.seeds.validator_stake(&pool.accounts),
        destination,
        referrer,
        minimum,
    );
    Ok(StakeDeposit {
        instructions,
        quoted,
    })
}

pub async fn deposit_stake(ctx: &Ctx, args: &DepositStake) -> Result<Report> {
    let pool = Pool::load(ctx, &args.pool).await?;
    let epoch = ctx.epoch().await?;
    pool.require_current(epoch)?;
    let account = ctx
        .account(&args.stake_account)
        .await?
        .ok_or_else(|| anyhow!("no account at {}", args.stake_account))?;
    let stake = decode_stake(args.stake_account, &account)?;
    let withdrawer =
        ctx.signer_or_default(args.withdraw_authority.as_deref(), "withdraw authority")?;
    let authority = funding_authority(
        ctx,
        &pool,
        args.deposit_authority.as_deref(),
        custom_stake_deposit_authority(&pool),
        "stake deposits",
        "--deposit-authority",
    )?;
    let (destination, mut instructions) = receiver(ctx, &pool, args.token_receiver).await?;
    let minimum = optional_amount(args.minimum_pool_tokens_out.as_deref())?;
    let deposit = stake_deposit(
        &pool,
        &stake,
        &withdrawer.pubkey(),
        &destination,
        &args.referrer.unwrap_or(destination),
        minimum,
        epoch,
    )?;
    instructions.extend(deposit.instructions);
    let before = token_balance(ctx, &destination).await?;
    let mut step = Step::new("DepositStake", instructions).signed_by(withdrawer.as_ref());
    if let Some(authority) = &authority {
        step = step.signed_by(authority.as_ref());
    }
    let sent = ctx.send(step).await?;
    let received = if ctx.dry_run {
        deposit.quoted
    } else {
        token_balance(ctx, &destination)
            .await?
            .saturating_sub(before)
    };
    Ok(sent_report(
        format!(
            "Deposited stake account {} ({} SOL, validator {}) into {}: {} pool tokens",
            stake.address,
            format_amount(stake.lamports),
            stake.voter,
            pool.address,
            format_amount(received)
        ),
        &[sent],
        json!({
            "stakeAccount": stake.address.to_string(),
            "lamports": stake.lamports,
            "voteAccount": stake.voter.to_string(),
            "poolTokens": received,
            "quotedPoolTokens": deposit.quoted,
            "tokenReceiver": destination.to_string(),
        }),
    ))
}

pub async fn deposit_all_stake(ctx: &Ctx, args: &DepositAllStake) -> Result<Report> {
    let pool = Pool::load(ctx, &args.pool).await?;
    let epoch = ctx.epoch().await?;
    pool.require_current(epoch)?;
    let withdrawer =
        ctx.signer_or_default(args.withdraw_authority.as_deref(), "withdraw authority")?;
    let authority = funding_authority(
        ctx,
        &pool,
        args.deposit_authority.as_deref(),
        custom_stake_deposit_authority(&pool),
        "stake deposits",
        "--deposit-authority",
    )?;
    // Stake accounts whose withdrawer (bytes 44..76) is the signer.
    let found = ctx
        .program_accounts(
            &STAKE_PROGRAM_ID,
            vec![(44, withdrawer.pubkey().to_bytes().to_vec())],
        )
        .await?;
    let mut stakes: Vec<UserStake> = found
        .iter()
        .filter_map(|(address, account)| decode_stake(*address, account).ok())
        .filter(|stake| {
            stake.deactivation_epoch == u64::MAX
                && stake.activation_epoch < epoch
                && pool.validator(&stake.voter).is_ok()
        })
        .collect();
    stakes.sort_by_key(|stake| stake.address.to_string());
    if stakes.is_empty() {
        bail!(
            "{} withdraws from no active stake account delegated to pool {}'s validators",
            withdrawer.pubkey(),
            pool.address
        );
    }
    let (destination, create) = receiver(ctx, &pool, args.token_receiver).await?;
    let before = token_balance(ctx, &destination).await?;
    let progress = crate::update::Progress::new(ctx, stakes.len() as u64, "stake deposits");
    let mut sent: Vec<Sent> = Vec::new();
    let mut quoted = 0u64;
    for (index, stake) in stakes.iter().enumerate() {
        // The pool's rate moves with each deposit: quote against the current account.
        let pool = Pool::load(ctx, &args.pool).await?;
        let deposit = stake_deposit(
            &pool,
            stake,
            &withdrawer.pubkey(),
            &destination,
            &destination,
            None,
            epoch,
        )?;
        let mut instructions = if index == 0 {
            create.clone()
        } else {
            Vec::new()
        };
        instructions.extend(deposit.instructions);
        let mut step = Step::new(format!("DepositStake {}", stake.address), instructions)
            .signed_by(withdrawer.as_ref());
        if let Some(authority) = &authority {
            step = step.signed_by(authority.as_ref());
        }
        sent.push(ctx.send(step).await?);
        quoted += deposit.quoted;
        progress.tick(&format!("deposited {}", stake.address));
    }
    progress.finish();
    let received = if ctx.dry_run {
        quoted
    } else {
        token_balance(ctx, &destination)
            .await?
            .saturating_sub(before)
    };
    Ok(sent_report(
        format!(
            "Deposited {} stake accounts into {}: {} pool tokens",
            stakes.len(),
            pool.address,
            format_amount(received)
        ),
        &sent,
        json!({
            "stakeAccounts": stakes.iter().map(|stake| stake.address.to_string()).collect::<Vec<_>>(),
            "poolTokens": received,
            "tokenReceiver": destination.to_string(),
        }),
    ))
}

/// Where a stake withdrawal's parts come from: (source stake account, vote account or
/// `None` for the reserve, most lamports it can give).
async fn withdrawal_sources(
    ctx: &Ctx,
    pool: &Pool,
    args: &WithdrawStake,
) -> Result<Vec<(Pubkey, Option<Pubkey>, u64)>> {
    let rent = ctx.rent_exempt(STAKE_ACCOUNT_LEN).await?;
    // A validator's stake account must keep rent plus the minimum delegation.
    let floor = rent + ctx.minimum_delegation().await?;
    if args.use_reserve {
        let reserve = ctx
            .account(&pool.accounts.reserve_stake)
            .await?
            .map(|account| account.lamports)
            .unwrap_or(0);
        return Ok(vec![(
            pool.accounts.reserve_stake,
            None,
            reserve.saturating_sub(rent),
        )]);
    }
    let capacity = |vote: &Pubkey| -> Result<(Pubkey, Option<Pubkey>, u64)> {
        let validator = pool.validator(vote)?;
        Ok((
            validator.seeds.validator_stake(&pool.accounts),
            Some(*vote),
            validator.active_stake_lamports.saturating_sub(floor),
        ))
    };
    if let Some(vote) = &args.vote_account {
        return Ok(vec![capacity(vote)?]);
    }
    if let Some(preferred) = pool.tail.preferred_withdraw_validator {
        let preferred = capacity(&preferred)?;
        if preferred.2 > 0 {
            // The program takes stake only from the preferred validator while it has any.
            return Ok(vec![preferred]);
        }
    }
    let mut sources: Vec<_> = pool
        .validators
        .iter()
        .filter(|validator| validator.is_active())
        .map(|validator| capacity(&validator.seeds.vote))
        .collect::<Result<_>>()?;
    sources.retain(|source| source.2 > 0);
    sources.sort_by_key(|source| std::cmp::Reverse(source.2));
    Ok(sources)
}

/// The most pool tokens whose stake withdrawal pays at most `capacity` lamports (the
/// quote is monotonic in the tokens, so a bisection finds it).
fn tokens_for_capacity(
    pool: &Pool,
    quote: WithdrawalQuote,
    capacity: u64,
    most: u64,
    epoch: u64,
) -> u64 {
    let pays = |tokens: u64| {
        quote(&pool.data, tokens, epoch)
            .map(|split| split.lamports)
            .unwrap_or(0)
    };
    if pays(most) <= capacity {
        return most;
    }
    let (mut low, mut high) = (0u64, most);
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        if pays(middle) <= capacity {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    low
}

pub async fn withdraw_stake(ctx: &Ctx, args: &WithdrawStake) -> Result<Report> {
    let Withdrawal {
        pool,
        epoch,
        source,
        pool_tokens,
        expected: total,
        minimum,
        quote,
    } = withdrawal_start(
        ctx,
        &args.pool,
        WithdrawalRequest {
            amount: &args.amount,
            from_token_account: args.from_token_account,
            minimum_lamports_out: args.minimum_lamports_out.as_deref(),
            quote: quote::withdraw_stake,
        },
    )
    .await?;
    let sources = withdrawal_sources(ctx, &pool, args).await?;
    // Split the tokens over the sources, largest first.
    let mut parts = Vec::new();
    let mut left = pool_tokens;
    for (stake, vote, capacity) in sources {
        if left == 0 {
            break;
        }
        let tokens = tokens_for_capacity(&pool, quote, capacity, left, epoch);
        if tokens > 0 {
            parts.push((stake, vote, tokens));
            left -= tokens;
        }
    }
    if left > 0 {
        bail!(
            "the pool's validators cannot give {} SOL of stake now (each keeps its minimum); \
             withdraw less, or with --use-reserve once no validator has stake to give",
            format_amount(total.lamports)
        );
    }
    let owner = ctx.default_signer()?;
    let new_authority = args.stake_receiver.unwrap_or(owner.pubkey());
    let rent = ctx.rent_exempt(STAKE_ACCOUNT_LEN).await?;
    let receivers: Vec<Keypair> = parts.iter().map(|_| Keypair::new()).collect();
    let mut sent = Vec::new();
    let mut received = Vec::new();
    for ((stake, vote, tokens), receiver) in parts.iter().zip(&receivers) {
        // Each part's floor is its share of the whole floor, rounded up.
        let part_minimum = minimum.map(|minimum| {
            ((u128::from(minimum) * u128::from(*tokens)).div_ceil(u128::from(pool_tokens))) as u64
        });
        let instructions = vec![
            solana_system_interface::instruction::create_account(
                &ctx.payer(),
                &receiver.pubkey(),
                rent,
                STAKE_ACCOUNT_LEN as u64,
                &STAKE_PROGRAM_ID,
            ),
            client::withdraw_stake(
                &pool.accounts,
                stake,
                &receiver.pubkey(),
                &new_authority,
                &owner.pubkey(),
                &source,
                *tokens,
                part_minimum,
            ),
        ];
        sent.push(
            ctx.send(
                Step::new(format!("WithdrawStake from {stake}"), instructions)
                    .signed_by(receiver)
                    .signed_by(owner.as_ref()),
            )
            .await?,
        );
        let lamports = if ctx.dry_run {
            0
        } else {
            ctx.account(&receiver.pubkey())
                .await?
                .map(|account| account.lamports)
                .unwrap_or(0)
        };
        received.push(json!({
            "stakeAccount": receiver.pubkey().to_string(),
            "voteAccount": vote.map(|vote| vote.to_string()),
            "source": stake.to_string(),
            "poolTokens": tokens,
            "lamports": lamports,
        }));
    }
    Ok(sent_report(
        format!(
            "Withdrew {} pool tokens from {} as {} stake account(s): {}",
            format_amount(pool_tokens),
            pool.address,
            receivers.len(),
            receivers
                .iter()
                .map(|receiver| receiver.pubkey().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &sent,
        json!({
            "poolTokens": pool_tokens,
            "quotedLamports": total.lamports,
            "stakeAccounts": received,
        }),
    ))
}
