//! The time the API server gives a webhook: the `timeout` query parameter of the URL it calls
//! (`/validate?timeout=10s`), a Go duration (`10s`, `1m0s`, `2.5s`, `500ms`).

use std::time::Duration;

use super::review::ReviewError;

/// The API server's default webhook timeout, used when the URL names none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout a webhook configuration may set (`timeoutSeconds` ≤ 30).
pub const TIMEOUT_MAX: Duration = Duration::from_secs(30);
const TEXT_LENGTH_MAX: usize = 32;

/// The timeout the query string `query` gives (its `timeout` parameter): [`DEFAULT_TIMEOUT`] when
/// there is none, never more than [`TIMEOUT_MAX`]. A malformed or zero one is refused.
pub fn request_timeout(query: Option<&str>) -> Result<Duration, ReviewError> {
    let mut given = None;
    for pair in query.unwrap_or("").split('&') {
        if let Some(value) = pair.strip_prefix("timeout=") {
            if given.replace(value).is_some() {
                return Err(ReviewError("the URL names the timeout twice".into()));
            }
        }
    }
    let Some(text) = given else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let timeout = go_duration(text).ok_or_else(|| {
        let shown: String = text.chars().take(TEXT_LENGTH_MAX).collect();
        ReviewError(format!("the URL's timeout {shown:?} is not a duration such as 10s"))
    })?;
    if timeout.is_zero() {
        return Err(ReviewError("the URL's timeout is zero".into()));
    }
    Ok(timeout.min(TIMEOUT_MAX))
}

/// A Go duration (`time.ParseDuration`) of non-negative parts: `1m30s`, `2.5s`, `300ms`, `10us`.
fn go_duration(text: &str) -> Option<Duration> {
    if text.is_empty() || text.len() > TEXT_LENGTH_MAX {
        return None;
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, after) = rest.split_at(number_end);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = next;
    }
    (total.is_finite() && total < 1e9).then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_servers_timeouts_are_read_and_bounded() {
        let t = |q: &str| request_timeout(Some(q));
        assert_eq!(request_timeout(None), Ok(DEFAULT_TIMEOUT));
        assert_eq!(t(""), Ok(DEFAULT_TIMEOUT));
        assert_eq!(t("timeout=10s"), Ok(Duration::from_secs(10)));
        assert_eq!(t("x=1&timeout=2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(t("timeout=1m0s"), Ok(TIMEOUT_MAX));
        assert_eq!(t("timeout=1h"), Ok(TIMEOUT_MAX));
        assert_eq!(t("timeout=1s500ms"), Ok(Duration::from_millis(1500)));
        for bad in [
            "timeout=",
            "timeout=10",
            "timeout=s",
            "timeout=-1s",
            "timeout=1.2.3s",
            "timeout=.s",
            "timeout=10x",
            "timeout=0s",
            "timeout=1s&timeout=2s",
            "timeout=99999999999999999999999h",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }
}
