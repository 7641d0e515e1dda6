//! How simulated orders move along their lifecycle, written once: which
//! orders a churn round picks, the document's examples left alone, what
//! moved. Each simulator's order type says only its own next step, in its
//! document's statuses ([`Lifecycle::step`]).

use crate::Rng;

/// An order a simulator moves along its lifecycle.
pub(crate) trait Lifecycle {
    /// Its number, as the platform's lookups and the admin routes name it.
    fn number(&self) -> &str;
    /// Whether it is one of the document's examples, which never move.
    fn is_example(&self) -> bool;
    /// Moves it one step at `now` (the platform's clock), drawing any
    /// made-up value (a tracking number) from `rng`; false when it is in a
    /// final state and did not move.
    fn step(&mut self, now: i64, rng: &mut Rng) -> bool;
}

impl<O: Lifecycle> Lifecycle for &mut O {
    fn number(&self) -> &str {
        O::number(self)
    }

    fn is_example(&self) -> bool {
        O::is_example(self)
    }

    fn step(&mut self, now: i64, rng: &mut Rng) -> bool {
        O::step(self, now, rng)
    }
}

/// Which orders move.
pub(crate) enum Picks {
    /// `count` picked at random, the same ones for the same `round`.
    Random { count: usize, round: u64 },
    /// The one at this position (none: no such order).
    At(Option<usize>),
}

/// Moves the picked `orders` a step each, at `now`; `stream` is the
/// simulator's own random stream. Returns the numbers of those that moved.
pub(crate) fn move_orders<O: Lifecycle>(orders: &mut [O], picks: Picks, stream: u64, now: i64) -> Vec<String> {
    let len = orders.len();
    let (picked, mut rng) = match picks {
        Picks::Random { count, round } => {
            let mut rng = Rng::fork(stream, round);
            let picked: Vec<usize> = (0..count.min(len)).map(|_| rng.range(0, len as i64) as usize).collect();
            (picked, rng)
        }
        Picks::At(at) => (at.into_iter().collect(), Rng::fork(stream, 0)),
    };
    let mut moved = Vec::new();
    for at in picked {
        let order = &mut orders[at];
        if !order.is_example() && order.step(now, &mut rng) {
            moved.push(order.number().to_string());
        }
    }
    moved
}
