//! The timeline and lists (egui): play and pause, speed, scrubbing, steps, next and previous
//! alert event, the drones and alerts (a click follows the drone, or seeks to the alert and
//! looks at it), and a readout of the selected drone. The UI only sends messages.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

use super::RunData;
use super::camera::CameraRequest;
use super::colouring::TrackColouring;
use super::frame::SceneFrame;
use super::playback::{ClockMsg, Playback};
use super::terrain::RiskOverlay;
use crate::replay::clock::{ClockCommand, SPEEDS};
use crate::replay::readout::drone_readout;
use crate::replay::time::format_hms;

/// The egui timeline, lists and readout.
#[derive(Debug)]
pub struct TimelinePlugin;

impl Plugin for TimelinePlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(EguiPlugin::default())
            .init_resource::<Selection>()
            .add_systems(EguiPrimaryContextPass, timeline_ui);
    }
}

/// What the user picked in the lists.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Index into the run's drones.
    pub drone: Option<usize>,
    /// Index into the run's alerts.
    pub alert: Option<usize>,
}

fn timeline_ui(
    mut contexts: EguiContexts,
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    mut selection: ResMut<Selection>,
    mut clock_out: MessageWriter<ClockMsg>,
    mut camera_out: MessageWriter<CameraRequest>,
    mut risk_overlay: ResMut<RiskOverlay>,
    mut colouring: ResMut<TrackColouring>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewer".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let run = &run.0;
    let clock = &clock.0;
    let mut send = |cmd| {
        clock_out.write(ClockMsg(cmd));
    };
    egui::Panel::bottom("timeline").show_inside(&mut root, |ui| {
        ui.horizontal(|ui| {
            if ui.button("⏮ event").clicked() {
                send(ClockCommand::PrevEvent);
            }
            for (label, s) in [("-10 s", -10.0), ("-1 s", -1.0)] {
                if ui.button(label).clicked() {
                    send(ClockCommand::Step(s));
                }
            }
            let play = if clock.is_playing() {
                "⏸ pause"
            } else {
                "▶ play"
            };
            if ui.button(play).clicked() {
                send(ClockCommand::Toggle);
            }
            for (label, s) in [("+1 s", 1.0), ("+10 s", 10.0)] {
                if ui.button(label).clicked() {
                    send(ClockCommand::Step(s));
                }
            }
            if ui.button("event ⏭").clicked() {
                send(ClockCommand::NextEvent);
            }
            egui::ComboBox::from_id_salt("speed")
                .selected_text(format!("{}x", clock.speed()))
                .show_ui(ui, |ui| {
                    for s in SPEEDS {
                        if ui
                            .selectable_label(clock.speed() == s, format!("{s}x"))
                            .clicked()
                        {
                            send(ClockCommand::SetSpeed(s));
                        }
                    }
                });
            // The run's one clock: the shift's local time, as in events.log and the alerts.
            ui.label(match &run.clock {
                Some(c) => {
                    format!(
                        "{} ({}), +{} of {}",
                        c.at_unix_us(clock.now_unix_us()),
                        c.zone_label(),
                        format_hms(clock.elapsed_s()),
                        format_hms(clock.duration_s())
                    )
                }
                None => format!(
                    "{} / {}",
                    format_hms(clock.elapsed_s()),
                    format_hms(clock.duration_s())
                ),
            });
        });
        let mut elapsed_s = clock.elapsed_s();
        ui.spacing_mut().slider_width = (ui.available_width() - 16.0).max(100.0);
        let slider = egui::Slider::new(&mut elapsed_s, 0.0..=clock.duration_s().max(0.001))
            .show_value(false);
        if ui.add(slider).changed() {
            let (start, _) = clock.range_unix_us();
            send(ClockCommand::SeekUnixUs(
                start + (elapsed_s * 1e6).round() as i64,
            ));
        }
    });
    egui::Panel::left("lists").show_inside(&mut root, |ui| {
        ui.horizontal(|ui| {
            if ui.button("fit").clicked() {
                camera_out.write(CameraRequest::Fit);
            }
            if ui.button("top").clicked() {
                camera_out.write(CameraRequest::Top);
            }
        });
        let mut risk = risk_overlay.0;
        if ui.checkbox(&mut risk, "risk map (R)").changed() {
            risk_overlay.0 = risk;
        }
        let mut by = *colouring;
        egui::ComboBox::from_label("tracks by (C)")
            .selected_text(by.name())
            .show_ui(ui, |ui| {
                for c in TrackColouring::ALL {
                    ui.selectable_value(&mut by, c, c.name());
                }
            });
        if by != *colouring {
            *colouring = by;
        }
        ui.heading("Drones");
        for (i, d) in run.drones.iter().enumerate() {
            let label = format!("{} (sysid {})", d.drone_id, d.system_id);
            if ui
                .selectable_label(selection.drone == Some(i), label)
                .clicked()
            {
                selection.drone = Some(i);
                camera_out.write(CameraRequest::Follow(i));
                // A drone not flying at the cursor: go to its first fix.
                if d.track.pose_at(clock.now_unix_us()).is_none()
                    && let Some((first, _)) = d.track.time_range_unix_us()
                {
                    send(ClockCommand::SeekUnixUs(first));
                }
            }
        }
        if let Some(d) = selection.drone.and_then(|i| run.drones.get(i)) {
            let plan = run.drone_plan(d.system_id);
            let r = drone_readout(
                &d.track,
                plan,
                clock.now_unix_us(),
                clock.elapsed_s(),
                |lat, lon| frame.terrain.elevation_amsl_m(lat, lon),
            );
            let m = |v: Option<f64>, unit: &str| {
                v.map_or("—".to_string(), |v| format!("{v:.0} {unit}"))
            };
            ui.separator();
            ui.label(format!(
                "{}{}",
                d.drone_id,
                if r.in_gap { " (no telemetry)" } else { "" }
            ));
            ui.label(format!(
                "altitude {} AMSL, {} AGL",
                m(r.alt_amsl_m, "m"),
                m(r.alt_agl_m, "m")
            ));
            ui.label(format!("speed {}", m(r.speed_mps, "m/s")));
            ui.label(format!(
                "battery {}",
                r.battery_pct.map_or("—".to_string(), |b| format!("{b} %"))
            ));
            ui.label(format!("mode {}", r.mode.as_deref().unwrap_or("—")));
            ui.label(format!(
                "sortie {}, item {}",
                r.sortie.as_deref().unwrap_or("—"),
                r.mission_seq.map_or("—".to_string(), |s| s.to_string())
            ));
        }
        ui.separator();
        ui.heading("Alerts");
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, a) in run.alerts.iter().enumerate() {
                let state = a
                    .state_at(clock.now_unix_us())
                    .map_or("not yet raised", |s| s.as_str());
                let label = format!(
                    "#{} {} (class {}, {}) at {}",
                    a.id,
                    state,
                    a.danger_class,
                    a.source,
                    run.clock.as_ref().map_or_else(
                        || format_hms((a.created_at_unix_us - run.start_unix_us) as f64 / 1e6),
                        |c| c.at_unix_us(a.created_at_unix_us)
                    )
                );
                if ui
                    .selectable_label(selection.alert == Some(i), label)
                    .clicked()
                {
                    selection.alert = Some(i);
                    send(ClockCommand::SeekUnixUs(a.created_at_unix_us));
                    camera_out.write(CameraRequest::FocusOn(
                        frame.ground_to_scene(a.lat_deg, a.lon_deg, 0.0),
                    ));
                }
            }
        });
    });
    Ok(())
}
