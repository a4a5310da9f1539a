//! The connection to the cluster as a real network gives it: one or more RPC endpoints (each
//! `--url`), any of which may answer 429 or 5xx, time out, drop the connection or fall behind.
//! Every request goes to the endpoint that last answered; a failure that says nothing about the
//! request itself (the transport, rate limits, an unhealthy node) is retried on the next
//! endpoint with exponential backoff. Everything else — a JSON-RPC error about the request, a
//! transaction error — comes back at once. Retrying is safe for every method the tool calls:
//! reads, simulations, and `sendTransaction` of an already signed transaction (the same bytes
//! have the same signature, so the cluster processes them at most once).

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use async_trait::async_trait;
use solana_rpc_client::{
    http_sender::HttpSender,
    rpc_sender::{RpcSender, RpcTransportStats},
};
use solana_rpc_client_api::{
    client_error::{ErrorKind, Result as ClientResult},
    custom_error,
    request::{RpcError, RpcRequest},
};

use crate::metrics::Counters;

/// Attempts of one request across the endpoints before its error is returned.
const ATTEMPTS: u32 = 10;
/// The first wait after a failed attempt; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// An `RpcSender` over several endpoints that retries and fails over.
pub struct FailoverSender {
    endpoints: Vec<HttpSender>,
    /// The endpoint that answered last: requests start there.
    current: AtomicUsize,
    counters: Arc<Counters>,
}

impl FailoverSender {
    pub fn new(urls: &[String], timeout: Duration, counters: Arc<Counters>) -> Self {
        Self {
            endpoints: urls
                .iter()
                .map(|url| HttpSender::new_with_timeout(url, timeout))
                .collect(),
            current: AtomicUsize::new(0),
            counters,
        }
    }
}

/// Whether an error says the endpoint or the path to it failed, not the request: then the
/// same request may succeed on a retry or on another endpoint.
pub fn transient(error: &ErrorKind) -> bool {
    match error {
        ErrorKind::Io(_) | ErrorKind::SerdeJson(_) => true,
        ErrorKind::Reqwest(error) => match error.status() {
            Some(status) => matches!(status.as_u16(), 408 | 429) || status.is_server_error(),
            // A request that cannot be built or redirects in circles fails everywhere.
            None if error.is_builder() || error.is_redirect() => false,
            // No status: connecting, sending or reading the answer failed, or timed out.
            None => true,
        },
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => matches!(
            *code,
            custom_error::JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY
                | custom_error::JSON_RPC_SERVER_ERROR_BLOCK_NOT_AVAILABLE
                | custom_error::JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED
                | custom_error::JSON_RPC_SERVER_ERROR_SLOT_SKIPPED
                | custom_error::JSON_RPC_SERVER_ERROR_BLOCK_STATUS_NOT_AVAILABLE_YET
                | custom_error::JSON_RPC_SERVER_ERROR_TRANSACTION_HISTORY_NOT_AVAILABLE
                // The JSON-RPC "internal error": the node's problem, not the request's.
                | -32603
        ),
        // An answer that is not JSON-RPC at all (a proxy's error page).
        ErrorKind::RpcError(RpcError::RpcRequestError(_)) => true,
        _ => false,
    }
}

/// A transient error in a few words, without the endpoint's URL (it may hold an API key).
fn short(error: &ErrorKind) -> String {
    match error {
        ErrorKind::Reqwest(error) => match error.status() {
            Some(status) => format!("HTTP {status}"),
            None if error.is_timeout() => "timed out".into(),
            None if error.is_connect() => "cannot connect".into(),
            None => "connection failed".into(),
        },
        other => crate::metrics::without_urls(&other.to_string()),
    }
}

#[async_trait]
impl RpcSender for FailoverSender {
    async fn send(
        &self,
        request: RpcRequest,
        params: serde_json::Value,
    ) -> ClientResult<serde_json::Value> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let index = self.current.load(Ordering::Relaxed) % self.endpoints.len();
            match self.endpoints[index].send(request, params.clone()).await {
                Err(error) if transient(error.kind()) && attempt < ATTEMPTS => {
                    self.counters.rpc_retry(&format!(
                        "{request} on endpoint {}: {}",
                        index + 1,
                        short(error.kind())
                    ));
                    // The next request (this one's retry too) goes to the next endpoint.
                    let _ = self.current.compare_exchange(
                        index,
                        (index + 1) % self.endpoints.len(),
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    fn get_transport_stats(&self) -> RpcTransportStats {
        let mut total = RpcTransportStats::default();
        for endpoint in &self.endpoints {
            let stats = endpoint.get_transport_stats();
            total.request_count += stats.request_count;
            total.elapsed_time += stats.elapsed_time;
            total.rate_limited_time += stats.rate_limited_time;
        }
        total
    }

    fn url(&self) -> String {
        let index = self.current.load(Ordering::Relaxed) % self.endpoints.len();
        self.endpoints[index].url()
    }
}
