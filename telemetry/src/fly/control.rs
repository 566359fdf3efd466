//! What the crew asks of a running shift: keep flying, start no new sortie (the airborne ones
//! finish theirs), or recall every airborne drone (RTL). A first Ctrl-C in `patrol fly` winds
//! the shift down, a second recalls the fleet; the sortie tasks read it between and during
//! sorties.

use tokio::sync::watch;

/// The crew's instruction, in escalating order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShiftControl {
    /// Fly the plan.
    Run,
    /// Start no new sortie; the airborne drones finish theirs.
    NoNewSorties,
    /// Every airborne drone returns to its launch point now (RTL).
    Recall,
}

/// The sortie tasks' view of the instruction.
#[derive(Debug, Clone)]
pub struct ControlRx(watch::Receiver<ShiftControl>);

impl Default for ControlRx {
    /// Always [`ShiftControl::Run`] (nobody can change it).
    fn default() -> Self {
        ControlRx(watch::channel(ShiftControl::Run).1)
    }
}

impl ControlRx {
    /// The instruction now.
    pub fn get(&self) -> ShiftControl {
        *self.0.borrow()
    }
}

/// Gives the instruction; only ever escalates (a recall is not undone by a later "stop").
#[derive(Debug)]
pub struct ControlTx(watch::Sender<ShiftControl>);

impl ControlTx {
    /// A new instruction channel at [`ShiftControl::Run`].
    pub fn new() -> (ControlTx, ControlRx) {
        let (tx, rx) = watch::channel(ShiftControl::Run);
        (ControlTx(tx), ControlRx(rx))
    }

    /// Raises the instruction to `to`; whether it changed.
    pub fn escalate(&self, to: ShiftControl) -> bool {
        self.0.send_if_modified(|c| {
            let changed = to > *c;
            if changed {
                *c = to;
            }
            changed
        })
    }

    /// The instruction now.
    pub fn get(&self) -> ShiftControl {
        *self.0.borrow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_escalates() {
        let (tx, rx) = ControlTx::new();
        assert_eq!(rx.get(), ShiftControl::Run);
        assert!(tx.escalate(ShiftControl::Recall));
        assert!(!tx.escalate(ShiftControl::NoNewSorties));
        assert_eq!(rx.get(), ShiftControl::Recall);
        assert_eq!(ControlRx::default().get(), ShiftControl::Run);
    }
}
