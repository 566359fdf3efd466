//! Command-line structure: one file per command group.

mod alerts;
mod area;
mod confirm;
mod demo;
mod eval;
mod fly;
mod mission;
mod plan;
mod route;
mod sim;
mod view;
mod wall_start;

use clap::{Parser, Subcommand};

/// forest-patrol: drone patrols for forest-fire prevention.
#[derive(Debug, Parser)]
#[command(
    name = "patrol",
    version,
    about,
    after_help = "Examples:\n  patrol area check missions/cumberland\n  patrol area map missions/cumberland -o map.png\n  patrol area risk missions/cumberland --date 2026-04-05 --temp-c 24 \\\n    --rh 28 --wind-kmh 18 --rain-mm 0\n  patrol plan missions/cumberland -o out/ --shift 10:00-18:00\n  patrol sim --area missions/cumberland --connect udpout:127.0.0.1:14550 \\\n    --speedup 20\n  patrol fly --plan out/ --connect udpin:127.0.0.1:14550 --speedup 20\n  patrol view runs/demo-1 --screenshot shot.png"
)]
pub struct Cli {
    /// Log debug details to stderr (or set PATROL_LOG, e.g. PATROL_LOG=info).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, show, acknowledge, resolve and export the fire alerts of a run.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Check, map and compute the fire risk of a patrol area.
    #[command(subcommand)]
    Area(area::AreaCommand),
    /// Plan a shift of patrols and export the missions.
    Plan(plan::PlanArgs),
    /// The routing core on abstract instances.
    #[command(subcommand)]
    Route(route::RouteCommand),
    /// Fly a plan with the fleet over MAVLink, watch it and record tlogs.
    Fly(fly::FlyArgs),
    /// Read what a vehicle holds into mission files, or upload one file and read it back.
    #[command(subcommand)]
    Mission(mission::MissionCommand),
    /// How soon fires are found: towers, alarms and drones, five ways of watching compared.
    Eval(eval::EvalArgs),
    /// Run a whole simulated patrol shift: plan, fires, fleet, alerts, dispatch, report.
    Demo(demo::DemoArgs),
    /// Simulate the fleet as MAVLink vehicles (like ArduCopter, or PX4 for PX4 drones), with
    /// fault injection.
    Sim(sim::SimArgs),
    /// Replay a run in 3D over the terrain, or render one picture of it.
    View(view::ViewArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Alerts(cmd) => alerts::run(cmd),
        Command::Area(cmd) => area::run(cmd),
        Command::Route(cmd) => route::run(cmd),
        Command::Plan(args) => plan::run(args),
        Command::Fly(args) => fly::run(args),
        Command::Mission(cmd) => mission::run(cmd),
        Command::Sim(args) => sim::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Eval(args) => eval::run(args),
        Command::View(args) => view::run(args),
    }
}

/// Whether a number of seconds is one a timer can wait for.
pub(crate) fn seconds_ok(s: f64) -> bool {
    s.is_finite() && (0.0..=1e9).contains(&s)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command and subcommand, with its path (`patrol area check`).
    fn all_commands() -> Vec<(String, clap::Command)> {
        fn walk(prefix: &str, cmd: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
            let name = format!("{prefix}{}", cmd.get_name());
            out.push((name.clone(), cmd.clone()));
            for sub in cmd.get_subcommands() {
                walk(&format!("{name} "), sub, out);
            }
        }
        let mut out = Vec::new();
        walk("", &super::Cli::command(), &mut out);
        out
    }

    /// Help examples paste: on an 80-column terminal every line of a command's examples comes
    /// out whole (clap wraps long lines, and a command cut in two runs only its first half).
    /// Long commands continue with a backslash.
    #[test]
    fn help_examples_are_not_wrapped_on_an_80_column_terminal() {
        let mut problems = Vec::new();
        for (name, cmd) in all_commands() {
            let Some(after) = cmd.get_after_help().map(|h| h.to_string()) else {
                continue;
            };
            let rendered = cmd.clone().term_width(80).render_help().to_string();
            let rendered_lines: Vec<&str> = rendered.lines().map(str::trim_end).collect();
            for line in after
                .lines()
                .filter(|l| l.trim_start().starts_with("patrol ") || l.ends_with('\\'))
            {
                if !rendered_lines.contains(&line.trim_end()) {
                    problems.push(format!("{name}: {line:?}"));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "examples wrapped at 80 columns:\n{}",
            problems.join("\n")
        );
    }
}
