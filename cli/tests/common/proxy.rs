//! A fault-injecting JSON-RPC proxy on loopback, between the tools and the real local
//! validator: it forwards each request and, at the rates it is given, loses a share of
//! `sendTransaction`s (answering with the signature, as a node whose leader dropped the
//! transaction does), delays answers, holds some past the client's timeout, answers 429 or 503, cuts connections (before forwarding,
//! and after forwarding a `sendTransaction`, so the caller does not know it went), and answers
//! simulations with `BlockhashNotFound`. It counts every fault it injects, by kind.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// Each fault's probability (0 to 1) per request it applies to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// `sendTransaction` answered but not forwarded.
    pub drop_send: f64,
    /// Any request held back for up to `max_delay`.
    pub delay: f64,
    pub max_delay: Duration,
    /// Any request held for `hang_for` (past the client's timeout), then dropped.
    pub hang: f64,
    pub hang_for: Duration,
    pub too_many_requests: f64,
    pub unavailable: f64,
    /// The connection closed before the request is forwarded.
    pub cut: f64,
    /// `sendTransaction` forwarded, then the connection closed without the answer.
    pub cut_after_send: f64,
    /// `simulateTransaction` answered `BlockhashNotFound`.
    pub blockhash_not_found: f64,
}

impl Faults {
    /// The faults of the keeper's and users' runs.
    pub fn hostile() -> Self {
        Self {
            drop_send: 0.3,
            delay: 0.1,
            max_delay: Duration::from_millis(1_500),
            hang: 0.005,
            hang_for: Duration::from_secs(6),
            too_many_requests: 0.04,
            unavailable: 0.04,
            cut: 0.03,
            cut_after_send: 0.1,
            blockhash_not_found: 0.15,
        }
    }
}

pub struct FaultProxy {
    pub url: String,
    faults: Arc<Mutex<Faults>>,
    counts: Arc<Mutex<BTreeMap<&'static str, u64>>>,
    requests: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` injecting `faults` (seeded: the same run of
    /// requests meets the same faults).
    pub async fn start(upstream: String, faults: Faults, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let proxy = Self {
            url,
            faults: Arc::new(Mutex::new(faults)),
            counts: Arc::default(),
            requests: Arc::default(),
        };
        let shared = Shared {
            upstream,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            faults: proxy.faults.clone(),
            counts: proxy.counts.clone(),
            requests: proxy.requests.clone(),
            random: Arc::new(Mutex::new(seed | 1)),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = shared.serve(stream).await;
                });
            }
        });
        proxy
    }

    pub fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
    }

    /// Faults injected so far, by kind.
    pub fn counts(&self) -> BTreeMap<&'static str, u64> {
        self.counts.lock().unwrap().clone()
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    faults: Arc<Mutex<Faults>>,
    counts: Arc<Mutex<BTreeMap<&'static str, u64>>>,
    requests: Arc<AtomicU64>,
    random: Arc<Mutex<u64>>,
}

impl Shared {
    /// A uniform number in [0, 1) (xorshift64*).
    fn random(&self) -> f64 {
        let mut state = self.random.lock().unwrap();
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn roll(&self, probability: f64, kind: &'static str) -> bool {
        let hit = self.random() < probability;
        if hit {
            *self.counts.lock().unwrap().entry(kind).or_default() += 1;
        }
        hit
    }

    async fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let Some(body) = read_request(&mut stream).await? else {
            return Ok(());
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let faults = *self.faults.lock().unwrap();
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let method = request["method"].as_str().unwrap_or("").to_string();
        if self.roll(faults.cut, "connection cut") {
            return Ok(());
        }
        if self.roll(faults.hang, "request hung past the timeout") {
            tokio::time::sleep(faults.hang_for).await;
            return Ok(());
        }
        if self.roll(faults.too_many_requests, "429 too many requests") {
            return respond(&mut stream, "429 Too Many Requests", b"rate limited").await;
        }
        if self.roll(faults.unavailable, "503 unavailable") {
            return respond(&mut stream, "503 Service Unavailable", b"unavailable").await;
        }
        if self.roll(faults.delay, "delayed answer") {
            let delay = faults.max_delay.mul_f64(self.random());
            tokio::time::sleep(delay).await;
        }
        if method == "sendTransaction" && self.roll(faults.drop_send, "sendTransaction dropped") {
            // Answered with the transaction's signature, as a node does; the leader never
            // sees it.
            let signature = signature_of(&request).unwrap_or_default();
            let answer = json!({"jsonrpc": "2.0", "result": signature, "id": request["id"]});
            return respond(&mut stream, "200 OK", answer.to_string().as_bytes()).await;
        }
        let forwarded = self
            .client
            .post(&self.upstream)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let Ok(answer) = forwarded else {
            return respond(&mut stream, "502 Bad Gateway", b"upstream failed").await;
        };
        let status = answer.status();
        let Ok(bytes) = answer.bytes().await else {
            return respond(&mut stream, "502 Bad Gateway", b"upstream failed").await;
        };
        if method == "sendTransaction"
            && self.roll(
                faults.cut_after_send,
                "sendTransaction forwarded, answer cut",
            )
        {
            return Ok(());
        }
        if method == "simulateTransaction"
            && self.roll(faults.blockhash_not_found, "simulation BlockhashNotFound")
        {
            let mut answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if answer["result"]["value"].is_object() {
                answer["result"]["value"]["err"] = json!("BlockhashNotFound");
                return respond(&mut stream, "200 OK", answer.to_string().as_bytes()).await;
            }
        }
        let status_line = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        respond(&mut stream, &status_line, &bytes).await
    }
}

/// The body of one HTTP/1.1 request (`Content-Length` framed); `None` if the peer closed.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    let header_end = loop {
        if let Some(end) = data.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        data.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&data[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < header_end + length {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        data.extend_from_slice(&buffer[..read]);
    }
    Ok(Some(data[header_end..header_end + length].to_vec()))
}

async fn respond(stream: &mut TcpStream, status: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

/// The first signature of the base64 transaction a `sendTransaction` carries.
fn signature_of(request: &Value) -> Option<String> {
    use base64::Engine;
    let encoded = request["params"][0].as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    // A compact-u16 count (one byte below 128 signatures), then the signatures.
    let signature = bytes.get(1..65)?;
    Some(
        solana_sdk::signature::Signature::try_from(signature)
            .ok()?
            .to_string(),
    )
}

/// A plain HTTP GET on loopback (the keeper's metrics and health): status code and body.
pub async fn http_get(address: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(address).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
        .await
        .map_err(|_| std::io::Error::other("timed out"))??;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
