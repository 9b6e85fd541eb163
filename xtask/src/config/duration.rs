//! Durations as written in YAML: `250ms`, `30s`, `5m`, `1h`.

use std::time::Duration;

/// Longest deadline a config may ask for; anything above is a typo.
pub const MAX: Duration = Duration::from_secs(6 * 3600);

/// Parses a duration, rejecting zero, negative and absurd values.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write a number and a unit: 500ms, 30s, 5m, 1h"))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "" => return Err(format!("`{text}` has no unit; write 500ms, 30s, 5m or 1h")),
        other => return Err(format!("`{other}` is not a duration unit; use ms, s, m or h")),
    };
    let secs = value * scale;
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("`{text}` must be greater than zero"));
    }
    let d = Duration::from_secs_f64(secs);
    if d > MAX {
        return Err(format!("`{text}` is longer than the {}h limit", MAX.as_secs() / 3600));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
    }

    #[test]
    fn rejects_bad_values() {
        for bad in ["", "30", "-1s", "0s", "1y", "abc", "100h"] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
