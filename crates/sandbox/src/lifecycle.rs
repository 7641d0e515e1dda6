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
    /// The one at this position.
    At(usize),
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
        Picks::At(at) => (vec![at], Rng::fork(stream, 0)),
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

/// Where the order `number` is in `orders`, found by reading them in turn
/// (for a simulator that keeps no index by number: only `advance` asks).
pub(crate) fn position<O: Lifecycle>(orders: &[O], number: &str) -> Option<usize> {
    orders.iter().position(|order| order.number() == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order with a step count: it moves until it reaches 2.
    #[derive(Clone, Debug)]
    struct Toy {
        number: String,
        steps: u32,
        example: bool,
        updated: i64,
    }

    impl Lifecycle for Toy {
        fn number(&self) -> &str {
            &self.number
        }

        fn is_example(&self) -> bool {
            self.example
        }

        fn step(&mut self, now: i64, _rng: &mut Rng) -> bool {
            if self.steps == 2 {
                return false;
            }
            self.steps += 1;
            self.updated = now;
            true
        }
    }

    fn toys() -> Vec<Toy> {
        (0..40).map(|i| Toy { number: format!("T{i}"), steps: 0, example: i % 10 == 0, updated: 0 }).collect()
    }

    #[test]
    fn a_round_moves_the_same_orders_and_never_an_example_or_a_final_one() {
        let (mut a, mut b) = (toys(), toys());
        let moved = move_orders(&mut a, Picks::Random { count: 15, round: 7 }, 0x5445_5354, 100);
        assert_eq!(moved, move_orders(&mut b, Picks::Random { count: 15, round: 7 }, 0x5445_5354, 100));
        assert!(!moved.is_empty());
        for number in &moved {
            let toy = a.iter().find(|t| &t.number == number).unwrap();
            assert!(!toy.example && toy.steps >= 1 && toy.updated == 100, "{toy:?}");
        }
        assert!(a.iter().filter(|t| t.example).all(|t| t.steps == 0), "examples never move");
        let other = move_orders(&mut toys(), Picks::Random { count: 15, round: 8 }, 0x5445_5354, 100);
        assert_ne!(moved, other, "another round picks other orders");

        let at = position(&a, "T3").unwrap();
        a[at].steps = 2;
        assert!(move_orders(&mut a, Picks::At(at), 0x5445_5354, 200).is_empty(), "a final order stays");
        let at = position(&a, "T4").unwrap();
        assert_eq!(move_orders(&mut a, Picks::At(at), 0x5445_5354, 200), ["T4"]);
        assert_eq!(position(&a, "NOPE"), None);
    }
}
