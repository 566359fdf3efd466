//! What every telemetry benchmark writes beside its figures: the machine, the time and the
//! commit.

use patrol_planner::risk::weather::CivilDate;

/// CPUs, CPU model and load average of this machine (from /proc).
pub fn machine() -> (String, String, String) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    (cpus.to_string(), model, load)
}

/// The time now, `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let date = CivilDate::from_days_since_epoch((s / 86_400) as i64);
    format!("{date} {:02}:{:02} UTC", s % 86_400 / 3600, s / 60 % 60)
}

/// The checkout's commit, marked when the tree has local changes.
pub fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let head = git(&["rev-parse", "--short", "HEAD"]);
    if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        head
    } else {
        format!("{head} with local changes")
    }
}
