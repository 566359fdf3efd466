//! `patrol`: the forest-patrol command line. Argument parsing, progress and exit codes only;
//! the work is done by the library crates.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    quiet_on_closed_pipe();
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PATROL_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(if args.verbose { "debug" } else { "warn" })
            }),
        )
        .init();
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, leaving out causes whose text the message already
/// carries (our library errors quote their cause, so a plain chain would repeat it).
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text = format!("{text}: {c}");
        }
    }
    text
}

/// `patrol plan ... | head` closes our stdout early; Rust then panics in `println!`. The reader
/// has what it wanted, so end quietly as Unix tools do (the workspace forbids the `unsafe`
/// that restoring SIGPIPE's default would need). Any other panic keeps the default report.
/// `patrol fly` writes its live table and event lines while drones fly without `println!`
/// (a closed stdout drops them there), so a flight never ends this way mid-shift.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
