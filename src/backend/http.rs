//! The REST transport every provider shares: one request with a timeout, retries on 429 and 5xx
//! that honour `Retry-After`, polling with exponential backoff under an overall deadline, and
//! errors and log lines scrubbed of credentials.

use super::{BackendError, Cancel, Secret};
use reqwest::header::RETRY_AFTER;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Timeouts, retries and polling of a REST backend.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpSettings {
    /// Limit on one request, connection included.
    pub request_timeout: Duration,
    /// Limit on waiting for one job to finish, from its submission.
    pub job_timeout: Duration,
    /// Attempts per request when the service answers 429 or 5xx (or an idempotent request
    /// times out).
    pub max_attempts: u32,
    /// First wait between retries and between polls; doubled (retries) or ×1.5 (polls).
    pub backoff: Duration,
    /// Longest wait between polls or retries without a `Retry-After`.
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one is waited as this long.
    pub max_retry_after: Duration,
    /// Jobs in flight at once.
    pub concurrency: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            request_timeout: Duration::from_secs(30),
            job_timeout: Duration::from_secs(3600),
            max_attempts: 6,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
            concurrency: 8,
        }
    }
}

/// Where log lines go (already scrubbed of credentials).
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

/// An HTTP client for one provider.
#[derive(Clone)]
pub struct Http {
    provider: &'static str,
    hint: &'static str,
    client: Client,
    settings: HttpSettings,
    secrets: Arc<RwLock<Vec<Secret>>>,
    log: Option<Logger>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("provider", &self.provider)
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.read().expect("not poisoned"))
            .finish_non_exhaustive()
    }
}

/// A successful answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self, http: &Http, what: &str) -> Result<Value, BackendError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| http.protocol(what, format!("not JSON: {e}")))
    }
}

/// The message inside an error body: `message`, `error`, `errors[0].message`, else the text.
fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        let pick = |v: &Value| v.as_str().map(str::to_string);
        if let Some(m) = pick(&json["message"])
            .or_else(|| pick(&json["Message"]))
            .or_else(|| pick(&json["errors"][0]["message"]))
            .or_else(|| pick(&json["error"]))
            .or_else(|| pick(&json["errorMessage"]))
        {
            return m;
        }
    }
    let trimmed = text.trim();
    match trimmed.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None if trimmed.is_empty() => "(empty body)".to_string(),
        None => trimmed.to_string(),
    }
}

/// `Retry-After` as a wait: delay-seconds, or an HTTP-date measured from `now` (a date already
/// past waits nothing). Anything else is ignored and backoff applies.
fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

impl Http {
    /// A client for `provider`; `hint` names where its credentials come from; every message is
    /// scrubbed of `secrets`.
    pub fn new(
        provider: &'static str,
        hint: &'static str,
        settings: HttpSettings,
        secrets: Vec<Secret>,
        log: Option<Logger>,
    ) -> Result<Http, BackendError> {
        let client = Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout)
            .user_agent(concat!("qattnc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BackendError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http {
            provider,
            hint,
            client,
            settings,
            secrets: Arc::new(RwLock::new(secrets)),
            log,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// Adds a credential to scrub (one obtained during the session, like an access token).
    pub fn add_secret(&self, secret: Secret) {
        self.secrets.write().expect("not poisoned").push(secret);
    }

    /// `text` with every credential replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let secrets = self.secrets.read().expect("not poisoned");
        secrets.iter().fold(text.to_string(), |t, s| s.scrub(&t))
    }

    /// Writes a log line (scrubbed) when a logger is set.
    pub fn log(&self, line: &str) {
        if let Some(log) = &self.log {
            log(&format!("{}: {}", self.provider, self.scrub(line)));
        }
    }

    /// A protocol error about `what`.
    pub fn protocol(&self, what: &str, message: String) -> BackendError {
        BackendError::Protocol {
            provider: self.provider,
            what: what.to_string(),
            message: self.scrub(&message),
        }
    }

    /// Sends the request `build` makes (called again for every attempt, so that signatures are
    /// fresh), retrying 429 and 503 answers (waiting `Retry-After` when given, else backoff)
    /// and, when `idempotent`, every other 5xx, timeouts and connection failures. A request
    /// that is not idempotent (a job submission without an idempotency token) is not repeated
    /// after an answer that may mean the service acted on it, so no job is created twice.
    pub async fn send(
        &self,
        what: &str,
        idempotent: bool,
        build: impl Fn(&Client) -> Result<RequestBuilder, BackendError>,
    ) -> Result<Reply, BackendError> {
        let mut backoff = self.settings.backoff;
        let attempts = self.settings.max_attempts.max(1);
        for attempt in 1..=attempts {
            let request = build(&self.client)?;
            let last = attempt == attempts;
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    let failure = if error.is_timeout() {
                        BackendError::Timeout {
                            provider: self.provider,
                            what: what.to_string(),
                            seconds: self.settings.request_timeout.as_secs_f64(),
                        }
                    } else {
                        BackendError::Transport {
                            provider: self.provider,
                            url: error
                                .url()
                                .map(|u| u.as_str().to_string())
                                .unwrap_or_default(),
                            message: self.scrub(&error_chain(&error)),
                        }
                    };
                    if !idempotent || last {
                        return Err(failure);
                    }
                    self.log(&format!("{what}: {failure}; retrying in {backoff:?}"));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.settings.max_backoff);
                    continue;
                }
            };
            let status = response.status();
            let wait = retry_after(response.headers(), SystemTime::now());
            let body = match response.bytes().await {
                Ok(body) => body.to_vec(),
                Err(error) if error.is_timeout() => {
                    return Err(BackendError::Timeout {
                        provider: self.provider,
                        what: what.to_string(),
                        seconds: self.settings.request_timeout.as_secs_f64(),
                    });
                }
                Err(error) => return Err(self.protocol(what, error_chain(&error))),
            };
            if status.is_success() {
                self.log(&format!("{what}: HTTP {}", status.as_u16()));
                return Ok(Reply { body });
            }
            let message = self.scrub(&error_message(&body));
            let refused = status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::SERVICE_UNAVAILABLE;
            if status.is_server_error() && !refused && !idempotent {
                return Err(BackendError::NotRetried {
                    provider: self.provider,
                    what: what.to_string(),
                    status: status.as_u16(),
                    message,
                });
            }
            let transient = refused || status.is_server_error();
            if transient && !last {
                let delay = wait
                    .map(|w| w.min(self.settings.max_retry_after))
                    .unwrap_or(backoff);
                self.log(&format!(
                    "{what}: HTTP {} ({message}); attempt {attempt} of {attempts}, retrying in {:.2} s{}",
                    status.as_u16(),
                    delay.as_secs_f64(),
                    if wait.is_some() { " (Retry-After)" } else { "" }
                ));
                tokio::time::sleep(delay).await;
                backoff = (backoff * 2).min(self.settings.max_backoff);
                continue;
            }
            return Err(self.status_error(what, status, message, attempt));
        }
        unreachable!("the last attempt returns")
    }

    fn status_error(
        &self,
        what: &str,
        status: StatusCode,
        message: String,
        attempts: u32,
    ) -> BackendError {
        let (provider, what) = (self.provider, what.to_string());
        match status.as_u16() {
            code @ (401 | 403) => BackendError::Unauthorized {
                provider,
                status: code,
                message,
                hint: self.hint,
            },
            404 => BackendError::NotFound {
                provider,
                what,
                message,
            },
            code if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() => {
                BackendError::Unavailable {
                    provider,
                    what,
                    attempts,
                    status: code,
                    message,
                }
            }
            code => BackendError::Rejected {
                provider,
                what,
                status: code,
                message,
            },
        }
    }

    /// The poll step's answer for a job in `phase`: `Some` when it completed, `None` (and a
    /// log line) while it is pending, an error when it failed, was cancelled or reported a
    /// status this client does not know.
    pub fn settle<T>(&self, id: &str, phase: JobPhase<T>) -> Result<Option<T>, BackendError> {
        match phase {
            JobPhase::Completed(value) => Ok(Some(value)),
            JobPhase::Pending(status) => {
                self.log(&format!("{id}: {status}"));
                Ok(None)
            }
            JobPhase::Failed(reason) => Err(BackendError::JobFailed {
                provider: self.provider,
                id: id.to_string(),
                message: self.scrub(&reason),
            }),
            JobPhase::Cancelled => Err(BackendError::JobCanceled {
                provider: self.provider,
                id: id.to_string(),
            }),
            JobPhase::Unknown(status) => Err(self.protocol(
                &format!("job {id}"),
                format!("unknown job status `{status}`"),
            )),
        }
    }

    /// Calls `step` until it returns a value, waiting between calls with backoff (×1.5 from
    /// `backoff` up to `max_backoff`); gives up after `job_timeout`.
    pub async fn poll<T, Fut>(
        &self,
        what: &str,
        mut step: impl FnMut() -> Fut,
    ) -> Result<T, BackendError>
    where
        Fut: Future<Output = Result<Option<T>, BackendError>>,
    {
        let start = Instant::now();
        let mut wait = self.settings.backoff;
        loop {
            if let Some(value) = step().await? {
                return Ok(value);
            }
            if start.elapsed() + wait > self.settings.job_timeout {
                return Err(BackendError::Timeout {
                    provider: self.provider,
                    what: format!("waiting for {what}"),
                    seconds: self.settings.job_timeout.as_secs_f64(),
                });
            }
            tokio::time::sleep(wait).await;
            wait = wait.mul_f64(1.5).min(self.settings.max_backoff);
        }
    }
}

/// Where a provider's job stands, read from its status reply by the provider's own words.
pub enum JobPhase<T> {
    /// Finished; `T` is what fetching the results needs (a URL, an S3 location, nothing).
    Completed(T),
    /// Queued or running; the provider's status word, for the log.
    Pending(String),
    /// Failed, with the provider's reason.
    Failed(String),
    /// Cancelled by the service.
    Cancelled,
    /// A status this client does not know.
    Unknown(String),
}

/// An error and its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Runs `task(row)` for `rows` rows with at most `concurrency` in flight, results in row order;
/// the first error stops the rest.
pub async fn for_each_row<T, Fut>(
    rows: usize,
    concurrency: usize,
    task: impl Fn(usize) -> Fut,
) -> Result<Vec<T>, BackendError>
where
    T: Send + 'static,
    Fut: Future<Output = Result<T, BackendError>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    for row in 0..rows {
        let permits = permits.clone();
        let future = task(row);
        set.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            (row, future.await)
        });
    }
    let mut out: Vec<Option<T>> = (0..rows).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (row, result) =
            joined.map_err(|e| BackendError::Config(format!("task failed: {e}")))?;
        out[row] = Some(result?);
    }
    Ok(out.into_iter().map(|r| r.expect("every row ran")).collect())
}

/// Runs `work` unless `cancel` is raised first; then runs `on_cancel` (which asks the service to
/// cancel what was submitted) and reports [`BackendError::Cancelled`].
pub async fn cancellable<T, C>(
    cancel: &Cancel,
    work: impl Future<Output = Result<T, BackendError>>,
    on_cancel: impl FnOnce() -> C,
) -> Result<T, BackendError>
where
    C: Future<Output = String>,
{
    tokio::select! {
        result = work => result,
        () = cancel.raised() => Err(BackendError::Cancelled(on_cancel().await)),
    }
}

/// Percent-encodes every byte but RFC 3986's unreserved characters (ARNs in paths, form
/// values).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Joins a base URL and a path (`/v0.4/jobs`), whatever slashes either has.
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_the_usual_fields() {
        assert_eq!(
            error_message(br#"{"error":"Bad Request","message":"bad qubits","statusCode":400}"#),
            "bad qubits"
        );
        assert_eq!(
            error_message(br#"{"errors":[{"message":"no such job"}]}"#),
            "no such job"
        );
        assert_eq!(error_message(b""), "(empty body)");
        assert_eq!(join("http://a:1/", "/v0.4/jobs"), "http://a:1/v0.4/jobs");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 29 Nov 2026 05:00:00 GMT").unwrap();
        let wait = |value: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers, now)
        };
        assert_eq!(wait("120"), Some(Duration::from_secs(120)));
        assert_eq!(wait(" 1.5 "), Some(Duration::from_millis(1500)));
        assert_eq!(
            wait("Sun, 29 Nov 2026 05:00:42 GMT"),
            Some(Duration::from_secs(42))
        );
        assert_eq!(wait("Sun, 29 Nov 2026 04:59:00 GMT"), Some(Duration::ZERO));
        assert_eq!(wait("-3"), None);
        assert_eq!(wait("soon"), None);
    }
}
