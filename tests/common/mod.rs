//! Helpers shared by the end-to-end tests: running `patrol` and copying the bundled area.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The bundled area in the repository.
pub fn bundled_area() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("missions/cumberland")
}

/// A private copy of the bundled area (without its generator tools), to modify freely.
pub fn area_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&bundled_area(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "tools") {
            continue;
        }
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// What `patrol` printed and how it exited.
pub trait OutputText {
    /// Standard output as text.
    fn stdout_text(&self) -> String;
    /// Standard error as text.
    fn stderr_text(&self) -> String;
}

impl OutputText for Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs `patrol` with `args`.
pub fn patrol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patrol"))
        .args(args)
        .output()
        .expect("patrol runs")
}

/// Asserts a clean failure: exit code 1 (not 101, a panic), stderr starting with `error:`,
/// containing every needle and no panic message. Returns stderr.
pub fn expect_error(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let code = out.status.code();
    assert_ne!(
        code,
        Some(101),
        "patrol panicked:\n{stderr}\nstdout:\n{stdout}"
    );
    assert_eq!(
        code,
        Some(1),
        "expected exit code 1\nstderr:\n{stderr}\nstdout:\n{stdout}"
    );
    assert!(
        stderr.starts_with("error:"),
        "stderr does not start with `error:`:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "stderr mentions a panic:\n{stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "stderr does not name {needle:?}:\n{stderr}"
        );
    }
    stderr
}

/// `.venv/bin/python` of the workspace (scripts/test.sh makes it, with pymavlink).
pub fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/test.sh",
        p.display()
    );
    p
}

pub fn peer(script: &str) -> Command {
    let mut c = Command::new(python());
    c.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/peers")
            .join(script),
    );
    c
}

pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            out.stdout_text(),
            out.stderr_text()
        )
    })
}

pub fn udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A child process killed when dropped.
#[derive(Debug)]
pub struct Proc(pub Child);

impl Proc {
    pub fn spawn(cmd: &mut Command) -> Proc {
        Proc(
            cmd.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawns"),
        )
    }

    pub fn patrol(args: &[&str]) -> Proc {
        Proc::spawn(Command::new(env!("CARGO_BIN_EXE_patrol")).args(args))
    }

    /// Takes the child's standard output and collects it as it comes, so that a test can
    /// wait for a line (a port bound, a state reached) instead of sleeping.
    pub fn watch_stdout(&mut self) -> StdoutWatch {
        use std::io::BufRead as _;
        let stdout = self.0.stdout.take().expect("stdout piped");
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = text.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(mut t) = sink.lock() {
                    t.push_str(&line);
                    t.push('\n');
                }
            }
        });
        StdoutWatch(text)
    }

    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, &self.0.id().to_string()])
            .status();
    }

    pub fn wait_output(self, timeout: Duration) -> Output {
        let began = Instant::now();
        let mut me = self;
        loop {
            if let Ok(Some(_)) = me.0.try_wait() {
                break;
            }
            if began.elapsed() > timeout {
                let _ = me.0.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let child = std::mem::replace(&mut me.0, Command::new("true").spawn().expect("true"));
        std::mem::forget(me);
        child.wait_with_output().expect("output")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A child's standard output as collected so far ([`Proc::watch_stdout`]).
#[derive(Debug, Clone)]
pub struct StdoutWatch(std::sync::Arc<std::sync::Mutex<String>>);

impl StdoutWatch {
    /// Everything printed so far.
    pub fn text(&self) -> String {
        self.0.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Waits until `needle` has been printed.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let began = Instant::now();
        loop {
            let t = self.text();
            if t.contains(needle) {
                return t;
            }
            assert!(
                began.elapsed() < timeout,
                "{needle:?} not printed within {timeout:?}:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
