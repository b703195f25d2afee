//! Baby Jubjub: the twisted Edwards curve `a·x² + y² = 1 + d·x²·y²` over the BN254 scalar
//! field with `a = 168700`, `d = 168696` (EIP-2494, circomlib's `babyjub`).
//!
//! The curve has order `8·l` for the prime [`SUBGROUP_ORDER`] `l`; [`B8`] (circomlib's `Base8`)
//! generates the subgroup of order `l`. `a` is a square and `d` is not, so the addition law
//! [`Point::add`] is complete: it is defined for every pair of points on the curve (its
//! denominators `1 ± d·x₁x₂y₁y₂` never vanish there), the identity `(0, 1)` included.

use ff::{Field, PrimeField};

use crate::Fr;
use crate::bigint::{self, U256};

/// The curve coefficient `a = 168700`.
pub fn coeff_a() -> Fr {
    Fr::from(168_700u64)
}

/// The curve coefficient `d = 168696`.
pub fn coeff_d() -> Fr {
    Fr::from(168_696u64)
}

/// `l`, the order of [`B8`]: 2736030358979909402780800718157159386076813972158567259200215660948447373041.
pub const SUBGROUP_ORDER: U256 = [
    0x677297dc392126f1,
    0xab3eedb83920ee0a,
    0x370a08b6d0302b0b,
    0x060c89ce5c263405,
];

/// A point given by its affine coordinates (on the curve or not: see [`Point::is_on_curve`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub x: Fr,
    pub y: Fr,
}

/// circomlib's `Base8`, the generator of the prime-order subgroup (8 times the curve's
/// generator): `(5299619240641551281634865583518297030282874472190772894086521144482721001553,
/// 16950150798460657717958625567821834550301663161624707787222815936182638968203)`.
pub fn b8() -> Point {
    Point {
        x: fr(&[
            0x2893f3f6bb957051,
            0x2ab8d8010534e0b6,
            0x4eacb2e09d6277c1,
            0x0bb77a6ad63e739b,
        ]),
        y: fr(&[
            0x4b3c257a872d7d8b,
            0xfce0051fb9e13377,
            0x25572e1cd16bf9ed,
            0x25797203f7a0b249,
        ]),
    }
}

fn fr(limbs: &U256) -> Fr {
    bigint::to_fr_canonical(limbs).expect("a constant below p")
}

impl Point {
    /// The neutral element `(0, 1)`.
    pub const IDENTITY: Point = Point {
        x: Fr::ZERO,
        y: Fr::ONE,
    };

    /// Whether `a·x² + y² = 1 + d·x²·y²`.
    pub fn is_on_curve(&self) -> bool {
        let x2 = self.x.square();
        let y2 = self.y.square();
        coeff_a() * x2 + y2 == Fr::ONE + coeff_d() * x2 * y2
    }

    /// The complete twisted Edwards sum:
    /// `x₃ = (x₁y₂ + y₁x₂)/(1 + d·x₁x₂y₁y₂)`, `y₃ = (y₁y₂ − a·x₁x₂)/(1 − d·x₁x₂y₁y₂)`.
    ///
    /// For points off the curve a denominator may vanish; the result is then `(0, 0)` (never a
    /// point on the curve). Callers check [`Point::is_on_curve`] first.
    pub fn add(&self, other: &Point) -> Point {
        let x1x2 = self.x * other.x;
        let y1y2 = self.y * other.y;
        let tau = coeff_d() * x1x2 * y1y2;
        let x =
            (self.x * other.y + self.y * other.x) * (Fr::ONE + tau).invert().unwrap_or(Fr::ZERO);
        let y = (y1y2 - coeff_a() * x1x2) * (Fr::ONE - tau).invert().unwrap_or(Fr::ZERO);
        Point { x, y }
    }

    /// `self + self`.
    pub fn double(&self) -> Point {
        self.add(self)
    }

    /// `-P = (-x, y)`.
    pub fn neg(&self) -> Point {
        Point {
            x: -self.x,
            y: self.y,
        }
    }

    /// `k·P` for the integer `k` given by its little-endian bytes (double-and-add from the
    /// top bit, in extended coordinates: one inversion in all). `self` must be on the curve.
    pub fn mul_le_bytes(&self, k: &[u8]) -> Point {
        let base = Extended::from(*self);
        let mut acc = Extended::from(Point::IDENTITY);
        for byte in k.iter().rev() {
            for i in (0..8).rev() {
                acc = acc.add(&acc);
                if (byte >> i) & 1 == 1 {
                    acc = acc.add(&base);
                }
            }
        }
        acc.to_affine()
    }

    /// `k·P` for the canonical integer of the field element `k`.
    pub fn mul_fr(&self, k: &Fr) -> Point {
        self.mul_le_bytes(k.to_repr().as_ref())
    }

    /// `8·P`: zero for the points of small order (those with `8·P = (0, 1)`).
    pub fn mul_cofactor(&self) -> Point {
        self.double().double().double()
    }
}

/// Extended twisted Edwards coordinates `(X : Y : Z : T)` with `x = X/Z`, `y = Y/Z`,
/// `x·y = T/Z`, and the unified addition of Hisil, Wong, Carter and Dawson (2008), complete on
/// this curve for the same reason as [`Point::add`].
#[derive(Clone, Copy, Debug)]
struct Extended {
    x: Fr,
    y: Fr,
    z: Fr,
    t: Fr,
}

impl From<Point> for Extended {
    fn from(p: Point) -> Extended {
        Extended {
            x: p.x,
            y: p.y,
            z: Fr::ONE,
            t: p.x * p.y,
        }
    }
}

impl Extended {
    fn add(&self, o: &Extended) -> Extended {
        let a = self.x * o.x;
        let b = self.y * o.y;
        let c = coeff_d() * self.t * o.t;
        let d = self.z * o.z;
        let e = (self.x + self.y) * (o.x + o.y) - a - b;
        let f = d - c;
        let g = d + c;
        let h = b - coeff_a() * a;
        Extended {
            x: e * f,
            y: g * h,
            t: e * h,
            z: f * g,
        }
    }

    fn to_affine(self) -> Point {
        let inv = self.z.invert().unwrap_or(Fr::ZERO);
        Point {
            x: self.x * inv,
            y: self.y * inv,
        }
    }
}
