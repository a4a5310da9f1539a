//! Claiming the pool's due delayed-unstake tickets. `ClaimUnstake` needs no signature but
//! the fee payer's: the owed lamports go to the ticket's owner and the rents to its payer,
//! whoever sends it. What a ticket's stake earned after the request (its last epoch's reward,
//! at most) reaches the reserve only at the claim, so the keeper claims every due ticket as
//! an epoch starts, before it updates the pool: that update counts those lamports with the
//! epoch's other rewards, while deposits wait for the pool to be current, so nobody can
//! deposit just before a large claim and share in it.

use anyhow::Result;
use p_stake_pool_client as client;
use serde_json::{json, Value};
use solana_pubkey::Pubkey;

use crate::{
    chain::{format_amount, Ctx, Sent, Step},
    pool::Pool,
    Report,
};

/// What one pass over the pool's tickets did.
pub struct Claimed {
    pub sent: Vec<(client::DueTicket, Sent)>,
    /// Due tickets whose claim failed (typically a stake still cooling down under the
    /// cluster's cooldown limit), with the reason: they are tried again next time.
    pub failed: Vec<(client::DueTicket, String)>,
}

impl Claimed {
    pub fn json(&self) -> Value {
        json!({
            "claimed": self.sent.iter().map(|(ticket, sent)| json!({
                "ticket": ticket.ticket.to_string(),
                "owner": ticket.owner.to_string(),
                "lamportsOwed": ticket.lamports_owed,
                "transaction": sent.json(),
            })).collect::<Vec<_>>(),
            "failed": self.failed.iter().map(|(ticket, reason)| json!({
                "ticket": ticket.ticket.to_string(),
                "reason": reason,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Claims per transaction: `ClaimUnstake` names ten accounts, six of them the same for every
/// ticket of a pool, and spends ~23,000 CU: four fit a legacy transaction with room to spare.
const CLAIMS_PER_TRANSACTION: usize = 4;

/// Claims the tickets of `pool` that are due at the cluster's epoch (the oldest first, at most
/// `limit`), four to a transaction. A failed transaction is retried one ticket at a time, and a
/// ticket that still fails is reported, not fatal: the others go on.
pub async fn claim_due(ctx: &Ctx, pool: &Pool, limit: Option<usize>) -> Result<Claimed> {
    let epoch = ctx.epoch().await?;
    let found: Vec<(Pubkey, Vec<u8>)> = ctx
        .program_accounts(
            &ctx.program_id,
            client::pool_ticket_filters(&pool.address).to_vec(),
        )
        .await?
        .into_iter()
        .map(|(address, account)| (address, account.data))
        .collect();
    let mut claimed = Claimed {
        sent: Vec::new(),
        failed: Vec::new(),
    };
    let mut due = client::due_tickets(&found, &pool.address, epoch);
    if let Some(limit) = limit {
        due.truncate(limit);
    }
    for batch in due.chunks(CLAIMS_PER_TRANSACTION) {
        match ctx.send(claim_step(pool, batch)).await {
            Ok(sent) => claimed
                .sent
                .extend(batch.iter().map(|ticket| (ticket.clone(), sent.clone()))),
            Err(_) if batch.len() > 1 => {
                for ticket in batch {
                    match ctx
                        .send(claim_step(pool, std::slice::from_ref(ticket)))
                        .await
                    {
                        Ok(sent) => claimed.sent.push((ticket.clone(), sent)),
                        Err(error) => claimed.failed.push((ticket.clone(), format!("{error:#}"))),
                    }
                }
            }
            Err(error) => claimed
                .failed
                .push((batch[0].clone(), format!("{error:#}"))),
        }
    }
    Ok(claimed)
}

/// One transaction claiming `tickets`.
fn claim_step<'a>(pool: &Pool, tickets: &[client::DueTicket]) -> Step<'a> {
    let label = tickets
        .iter()
        .map(|ticket| ticket.ticket.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Step::new(
        format!("ClaimUnstake {label}"),
        tickets
            .iter()
            .map(|ticket| ticket.claim(&pool.accounts))
            .collect(),
    )
}

/// `claim-tickets`: claims the pool's due tickets for their owners.
pub async fn run(ctx: &Ctx, address: &Pubkey) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let claimed = claim_due(ctx, &pool, None).await?;
    let mut display = format!(
        "Claimed {} due ticket(s) of {address}\n",
        claimed.sent.len()
    );
    for (ticket, sent) in &claimed.sent {
        display.push_str(&format!(
            "  {}: {} SOL to {} ({})\n",
            ticket.ticket,
            format_amount(ticket.lamports_owed),
            ticket.owner,
            sent.signature
                .map(|signature| signature.to_string())
                .unwrap_or_else(|| "not sent (dry run)".into()),
        ));
    }
    for (ticket, reason) in &claimed.failed {
        display.push_str(&format!("  {} not claimed: {reason}\n", ticket.ticket));
    }
    Ok(Report {
        display,
        json: claimed.json(),
    })
}
