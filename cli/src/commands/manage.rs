//! The manager's commands: creating the pool, its authorities, fees and token metadata, and
//! showing pools.

use anyhow::{anyhow, bail, Result};
use clap::Args;
use p_stake_pool_client::{self as client, state, Fee, FeeType, FundingType};
use serde_json::json;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use super::FeeArgs;
use crate::{chain::sent_report, staking::STAKE_ACCOUNT_LEN};
use crate::{
    chain::{Ctx, Step},
    pool::{all_pools, Pool},
    Report,
};

/// Size of an SPL Token mint.
const MINT_LEN: usize = 82;

#[derive(Args)]
pub struct CreatePool {
    /// Most validators the pool will hold (sizes the validator list)
    #[arg(long)]
    pub max_validators: u32,
    /// Epoch fee on rewards, as numerator and denominator
    #[arg(long, num_args = 2, value_names = ["NUMERATOR", "DENOMINATOR"], default_values_t = [0, 0])]
    pub epoch_fee: Vec<u64>,
    /// Withdrawal fee (SOL and stake)
    #[arg(long, num_args = 2, value_names = ["NUMERATOR", "DENOMINATOR"], default_values_t = [0, 0])]
    pub withdrawal_fee: Vec<u64>,
    /// Deposit fee (SOL and stake)
    #[arg(long, num_args = 2, value_names = ["NUMERATOR", "DENOMINATOR"], default_values_t = [0, 0])]
    pub deposit_fee: Vec<u64>,
    /// Share of deposit fees paid to referrers, in percent
    #[arg(long, default_value_t = 0)]
    pub referral_fee: u8,
    /// A stake deposit authority that must sign every stake deposit (its address, or any
    /// signer)
    #[arg(long)]
    pub deposit_authority: Option<String>,
    /// Keypair for the pool account [default: new]
    #[arg(long)]
    pub pool_keypair: Option<String>,
    /// Keypair for the validator list [default: new]
    #[arg(long)]
    pub validator_list_keypair: Option<String>,
    /// Keypair for the pool mint [default: new]
    #[arg(long)]
    pub mint_keypair: Option<String>,
    /// Keypair for the reserve stake account [default: new]
    #[arg(long)]
    pub reserve_keypair: Option<String>,
    /// Token metadata: name, symbol, URI (needs the Metaplex program on the cluster)
    #[arg(long, num_args = 3, value_names = ["NAME", "SYMBOL", "URI"])]
    pub metadata: Option<Vec<String>>,
}

fn fee(values: &[u64]) -> Fee {
    Fee {
        numerator: values[0],
        denominator: values[1],
    }
}

/// A new account's keypair: the file given, or a new one. (An account being created signs
/// its creation, so only a keypair will do.)
fn keypair_or_new(path: Option<&str>) -> Result<Keypair> {
    match path {
        Some(path) => crate::config::keypair(path),
        None => Ok(Keypair::new()),
    }
}

pub async fn create_pool(ctx: &Ctx, args: &CreatePool) -> Result<Report> {
    if args.max_validators == 0 || args.max_validators > state::MAX_VALIDATORS_IN_POOL {
        bail!(
            "--max-validators must be between 1 and {}",
            state::MAX_VALIDATORS_IN_POOL
        );
    }
    let stake_pool = keypair_or_new(args.pool_keypair.as_deref())?;
    let validator_list = keypair_or_new(args.validator_list_keypair.as_deref())?;
    let mint = keypair_or_new(args.mint_keypair.as_deref())?;
    let reserve = keypair_or_new(args.reserve_keypair.as_deref())?;
    let deposit_authority = args
        .deposit_authority
        .as_deref()
        .map(|source| ctx.keys.pubkey_of(source, "deposit authority"))
        .transpose()?;
    // The manager signs Initialize; the fee payer funds every account.
    let manager_signer = ctx.manager()?;
    let manager = manager_signer.pubkey();
    let payer = ctx.payer();
    let token_program = client::TOKEN_PROGRAM_ID;
    let withdraw_authority =
        client::find_withdraw_authority(&ctx.program_id, &stake_pool.pubkey()).0;
    let fee_account =
        spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
            &manager,
            &mint.pubkey(),
            &token_program,
        );
    let accounts = client::PoolAccounts {
        program_id: ctx.program_id,
        stake_pool: stake_pool.pubkey(),
        validator_list: validator_list.pubkey(),
        reserve_stake: reserve.pubkey(),
        pool_mint: mint.pubkey(),
        manager_fee_account: fee_account,
        token_program_id: token_program,
    };
    let list_len = state::validator_list_len(args.max_validators);
    let mut setup = solana_stake_interface::instruction::create_account(
        &payer,
        &reserve.pubkey(),
        &solana_stake_interface::state::Authorized {
            staker: withdraw_authority,
            withdrawer: withdraw_authority,
        },
        &Default::default(),
        ctx.rent_exempt(STAKE_ACCOUNT_LEN).await?,
    );
    setup.push(solana_system_interface::instruction::create_account(
        &payer,
        &mint.pubkey(),
        ctx.rent_exempt(MINT_LEN).await?,
        MINT_LEN as u64,
        &token_program,
    ));
    setup.push(spl_token_interface::instruction::initialize_mint2(
        &token_program,
        &mint.pubkey(),
        &withdraw_authority,
        None,
        9,
    )?);
    setup.push(
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &payer,
            &manager,
            &mint.pubkey(),
            &token_program,
        ),
    );
    let mut initialize = vec![
        solana_system_interface::instruction::create_account(
            &payer,
            &stake_pool.pubkey(),
            ctx.rent_exempt(state::STAKE_POOL_LEN).await?,
            state::STAKE_POOL_LEN as u64,
            &ctx.program_id,
        ),
        solana_system_interface::instruction::create_account(
            &payer,
            &validator_list.pubkey(),
            ctx.rent_exempt(list_len).await?,
            list_len as u64,
            &ctx.program_id,
        ),
    ];
    initialize.push(client::initialize(
        &accounts,
        &manager,
        &manager,
        deposit_authority,
        fee(&args.epoch_fee),
        fee(&args.withdrawal_fee),
        fee(&args.deposit_fee),
        args.referral_fee,
        args.max_validators,
    ));
    let second = Step::new(
        "create the pool and its validator list, Initialize",
        initialize,
    )
    .signed_by(&stake_pool)
    .signed_by(&validator_list)
    .signed_by(manager_signer.as_ref());
    let mut steps = vec![
        Step::new("create the reserve, the mint and the fee account", setup)
            .signed_by(&reserve)
            .signed_by(&mint),
        second,
    ];
    if let Some(metadata) = &args.metadata {
        steps.push(
            Step::new(
                "create the token metadata",
                vec![client::create_token_metadata(
                    &accounts,
                    &manager,
                    &payer,
                    &metadata[0],
                    &metadata[1],
                    &metadata[2],
                )],
            )
            .signed_by(manager_signer.as_ref()),
        );
    }
    let sent = ctx.send_all(steps).await?;
    Ok(sent_report(
        format!("Stake pool {}", stake_pool.pubkey()),
        &sent,
        json!({
            "stakePool": stake_pool.pubkey().to_string(),
            "validatorList": validator_list.pubkey().to_string(),
            "reserveStake": reserve.pubkey().to_string(),
            "poolMint": mint.pubkey().to_string(),
            "managerFeeAccount": fee_account.to_string(),
            "withdrawAuthority": withdraw_authority.to_string(),
            "manager": manager.to_string(),
            "staker": manager.to_string(),
        }),
    ))
}

pub async fn list(ctx: &Ctx, address: &Pubkey) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let reserve = ctx
        .account(&pool.accounts.reserve_stake)
        .await?
        .map(|account| account.lamports)
        .unwrap_or(0);
    let epoch = ctx.epoch().await?;
    Ok(Report {
        display: pool.display(reserve, epoch),
        json: pool.json(reserve, epoch),
    })
}

pub async fn list_all(ctx: &Ctx) -> Result<Report> {
    let pools = all_pools(ctx).await?;
    let epoch = ctx.epoch().await?;
    let mut display = format!("{} pools of program {}\n", pools.len(), ctx.program_id);
    let mut json = Vec::new();
    for pool in &pools {
        display.push_str(&format!(
            "  {}  {} SOL  {} validators  mint {}\n",
            pool.address,
            crate::chain::format_amount(pool.total_lamports),
            pool.validators.len(),
            pool.accounts.pool_mint
        ));
        json.push(pool.json(0, epoch));
    }
    Ok(Report {
        display,
        json: json!({ "pools": json }),
    })
}

pub async fn set_manager(
    ctx: &Ctx,
    address: &Pubkey,
    new_manager: Option<&str>,
    new_fee_receiver: Option<&Pubkey>,
) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let manager = ctx.manager()?;
    pool.require_manager(&manager.pubkey())?;
    let new_manager = ctx.signer_or_default(new_manager, "new manager")?;
    let fee_account = new_fee_receiver
        .copied()
        .unwrap_or(pool.accounts.manager_fee_account);
    // The program takes only a token account of the pool's mint (IncorrectPoolMint
    // otherwise); a wrong address is named here instead.
    let fee_receiver = ctx.account(&fee_account).await?.ok_or_else(|| {
        anyhow!(
            "no account at {fee_account}: the new fee receiver must be a token account of mint {}",
            pool.accounts.pool_mint
        )
    })?;
    if fee_receiver.owner != pool.accounts.token_program_id
        || fee_receiver.data.get(..32) != Some(pool.accounts.pool_mint.as_ref())
    {
        bail!(
            "{fee_account} is not a token account of the pool's mint {}",
            pool.accounts.pool_mint
        );
    }
    let sent = ctx
        .send(
            Step::new(
                "SetManager",
                vec![client::set_manager(
                    &ctx.program_id,
                    address,
                    &manager.pubkey(),
                    &new_manager.pubkey(),
                    &fee_account,
                )],
            )
            .signed_by(manager.as_ref())
            .signed_by(new_manager.as_ref()),
        )
        .await?;
    Ok(sent_report(
        format!("Manager of {address} is now {}", new_manager.pubkey()),
        &[sent],
        json!({"manager": new_manager.pubkey().to_string(), "managerFeeAccount": fee_account.to_string()}),
    ))
}

pub async fn set_staker(ctx: &Ctx, address: &Pubkey, new_staker: &Pubkey) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    // The manager or the staker may sign: --staker when given, else the manager.
    let authority = if ctx.staker.is_some() {
        ctx.staker()?
    } else {
        ctx.manager()?
    };
    if authority.pubkey() != pool.manager && authority.pubkey() != pool.staker {
        bail!(
            "{} is neither the manager ({}) nor the staker ({}) of pool {address}",
            authority.pubkey(),
            pool.manager,
            pool.staker
        );
    }
    let sent = ctx
        .send(
            Step::new(
                "SetStaker",
                vec![client::set_staker(
                    &ctx.program_id,
                    address,
                    &authority.pubkey(),
                    new_staker,
                )],
            )
            .signed_by(authority.as_ref()),
        )
        .await?;
    Ok(sent_report(
        format!("Staker of {address} is now {new_staker}"),
        &[sent],
        json!({"staker": new_staker.to_string()}),
    ))
}

pub async fn set_funding_authority(
    ctx: &Ctx,
    address: &Pubkey,
    funding_type: &str,
    new_authority: Option<&Pubkey>,
) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let manager = ctx.manager()?;
    pool.require_manager(&manager.pubkey())?;
    let kind = match funding_type {
        "stake-deposit" => FundingType::StakeDeposit,
        "sol-deposit" => FundingType::SolDeposit,
        _ => FundingType::SolWithdraw,
    };
    let sent = ctx
        .send(
            Step::new(
                "SetFundingAuthority",
                vec![client::set_funding_authority(
                    &ctx.program_id,
                    address,
                    &manager.pubkey(),
                    new_authority,
                    kind,
                )],
            )
            .signed_by(manager.as_ref()),
        )
        .await?;
    Ok(sent_report(
        format!(
            "{funding_type} authority of {address}: {}",
            new_authority
                .map(|authority| authority.to_string())
                .unwrap_or_else(|| "anyone".into())
        ),
        &[sent],
        json!({"fundingType": funding_type, "authority": new_authority.map(|a| a.to_string())}),
    ))
}

pub async fn set_fee(ctx: &Ctx, address: &Pubkey, fee_type: &str, fee: FeeArgs) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    pool.require_manager(&ctx.manager()?.pubkey())?;
    let value = Fee {
        numerator: fee.numerator,
        denominator: fee.denominator,
    };
    let kind = match fee_type {
        "epoch" => FeeType::Epoch(value),
        "stake-deposit" => FeeType::StakeDeposit(value),
        "sol-deposit" => FeeType::SolDeposit(value),
        "stake-withdrawal" => FeeType::StakeWithdrawal(value),
        _ => FeeType::SolWithdrawal(value),
    };
    send_fee(
        ctx,
        address,
        kind,
        format!(
            "{fee_type} fee of {address}: {}/{}",
            fee.numerator, fee.denominator
        ),
    )
    .await
}

pub async fn set_referral_fee(
    ctx: &Ctx,
    address: &Pubkey,
    fee_type: &str,
    percent: u8,
) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    pool.require_manager(&ctx.manager()?.pubkey())?;
    if percent > 100 {
        bail!("a referral fee is a percentage: {percent} is more than 100");
    }
    let kind = if fee_type == "stake" {
        FeeType::StakeReferral(percent)
    } else {
        FeeType::SolReferral(percent)
    };
    send_fee(
        ctx,
        address,
        kind,
        format!("{fee_type} referral fee of {address}: {percent}%"),
    )
    .await
}

async fn send_fee(ctx: &Ctx, address: &Pubkey, kind: FeeType, what: String) -> Result<Report> {
    let manager = ctx.manager()?;
    let sent = ctx
        .send(
            Step::new(
                "SetFee",
                vec![client::set_fee(
                    &ctx.program_id,
                    address,
                    &manager.pubkey(),
                    kind,
                )],
            )
            .signed_by(manager.as_ref()),
        )
        .await?;
    Ok(sent_report(
        what,
        &[sent],
        json!({"fee": format!("{kind:?}")}),
    ))
}

pub async fn token_metadata(
    ctx: &Ctx,
    address: &Pubkey,
    create: bool,
    [name, symbol, uri]: [&String; 3],
) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let manager = ctx.manager()?;
    pool.require_manager(&manager.pubkey())?;
    let instruction = if create {
        client::create_token_metadata(
            &pool.accounts,
            &manager.pubkey(),
            &ctx.payer(),
            name,
            symbol,
            uri,
        )
    } else {
        client::update_token_metadata(&pool.accounts, &manager.pubkey(), name, symbol, uri)
    };
    let label = if create {
        "CreateTokenMetadata"
    } else {
        "UpdateTokenMetadata"
    };
    let sent = ctx
        .send(Step::new(label, vec![instruction]).signed_by(manager.as_ref()))
        .await?;
    Ok(sent_report(
        format!(
            "Token metadata of {}: {name} ({symbol}) {uri}",
            pool.accounts.pool_mint
        ),
        &[sent],
        json!({
            "metadata": client::find_token_metadata(&pool.accounts.pool_mint).to_string(),
            "name": name, "symbol": symbol, "uri": uri,
        }),
    ))
}
