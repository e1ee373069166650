//! Exact decimal arithmetic on DynamoDB numbers, beside `value` (the numbers it reads and
//! writes): the bounds that guard relative updates (`stock - 9 >= 0` becomes the condition
//! `stock >= 9`, computed without rounding, because DynamoDB compares numbers exactly and a
//! float's rounding could let a write through that breaks a rule, or refuse one that keeps it),
//! DynamoDB's number limits, and exact reads into other crates' number types.

use std::cmp::Ordering;
use std::fmt;

/// A decimal number: `(-1)^negative * digits * 10^exponent`, `digits` most significant first,
/// without leading zeros (zero is no digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    /// Parses DynamoDB's number syntax: `-12.5`, `1E+3`, `.5`, `0.00`.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let mut digits = Vec::with_capacity(whole.len() + fraction.len());
        for byte in whole.bytes().chain(fraction.bytes()) {
            if !byte.is_ascii_digit() {
                return None;
            }
            digits.push(byte - b'0');
        }
        let exponent = exponent.checked_sub(i64::try_from(fraction.len()).ok()?)?;
        Some(Decimal::normalized(negative, digits, exponent))
    }

    /// An exact integer.
    pub(crate) fn from_i128(n: i128) -> Decimal {
        Decimal::parse(&n.to_string()).expect("an integer is a number")
    }

    /// A float, exactly as its shortest round-trip text reads (what a user wrote as `0.1`).
    pub(crate) fn from_f64(x: f64) -> Option<Decimal> {
        x.is_finite()
            .then(|| Decimal::parse(ryu::Buffer::new().format_finite(x)))
            .flatten()
    }

    fn normalized(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Decimal {
                negative: false,
                digits,
                exponent: 0,
            };
        }
        Decimal {
            negative,
            digits,
            exponent,
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// `-self`.
    pub(crate) fn neg(&self) -> Decimal {
        Decimal {
            negative: !self.negative && !self.is_zero(),
            ..self.clone()
        }
    }

    /// The magnitudes of both, as digit vectors with the same exponent (least significant
    /// first), and that exponent.
    fn aligned(&self, other: &Decimal) -> (Vec<u8>, Vec<u8>, i64) {
        let exponent = self.exponent.min(other.exponent);
        let widen = |d: &Decimal| {
            let mut out = vec![0u8; usize::try_from(d.exponent - exponent).unwrap_or(0)];
            out.extend(d.digits.iter().rev());
            out
        };
        (widen(self), widen(other), exponent)
    }

    /// `self + other`, exactly.
    pub(crate) fn add(&self, other: &Decimal) -> Decimal {
        let (a, b, exponent) = self.aligned(other);
        if self.negative == other.negative {
            let mut sum = Vec::with_capacity(a.len().max(b.len()) + 1);
            let mut carry = 0;
            for i in 0..a.len().max(b.len()) {
                let digit = a.get(i).unwrap_or(&0) + b.get(i).unwrap_or(&0) + carry;
                sum.push(digit % 10);
                carry = digit / 10;
            }
            if carry > 0 {
                sum.push(carry);
            }
            sum.reverse();
            return Decimal::normalized(self.negative, sum, exponent);
        }
        // Opposite signs: the larger magnitude minus the smaller, with the larger's sign.
        let (large, small, negative) = match compare_magnitudes(&a, &b) {
            Ordering::Less => (b, a, other.negative),
            _ => (a, b, self.negative),
        };
        let mut difference = Vec::with_capacity(large.len());
        let mut borrow = 0i8;
        for (i, digit) in large.iter().enumerate() {
            let mut d = *digit as i8 - *small.get(i).unwrap_or(&0) as i8 - borrow;
            borrow = i8::from(d < 0);
            if d < 0 {
                d += 10;
            }
            difference.push(d as u8);
        }
        difference.reverse();
        Decimal::normalized(negative, difference, exponent)
    }

    /// `self - other`, exactly.
    pub(crate) fn sub(&self, other: &Decimal) -> Decimal {
        self.add(&other.neg())
    }

    /// Whether DynamoDB can hold it: zero, or a magnitude from 1E-130 to below 1E+126.
    pub(crate) fn in_dynamodb_range(&self) -> bool {
        if self.is_zero() {
            return true;
        }
        let length = i64::try_from(self.digits.len()).unwrap_or(i64::MAX);
        self.exponent + length > -130 && self.exponent + length <= 126
    }

    /// How many significant digits it has (DynamoDB takes up to 38).
    pub(crate) fn significant_digits(&self) -> usize {
        self.digits.len()
    }
}

/// Compares two magnitudes given least significant digit first, same exponent.
fn compare_magnitudes(a: &[u8], b: &[u8]) -> Ordering {
    let significant = |v: &[u8]| v.len() - v.iter().rev().take_while(|d| **d == 0).count();
    let (la, lb) = (significant(a), significant(b));
    la.cmp(&lb)
        .then_with(|| a[..la].iter().rev().cmp(b[..lb].iter().rev()))
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let difference = self.sub(other);
        if difference.is_zero() {
            Ordering::Equal
        } else if difference.negative {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    }
}

impl fmt::Display for Decimal {
    /// Plain digits when short, scientific notation when the exponent is far from zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let length = i64::try_from(digits.len()).unwrap_or(i64::MAX);
        if self.exponent >= 0 && self.exponent + length <= 40 {
            f.write_str(&digits)?;
            for _ in 0..self.exponent {
                f.write_str("0")?;
            }
            Ok(())
        } else if self.exponent < 0 && -self.exponent < length {
            let point = usize::try_from(length + self.exponent).unwrap_or(0);
            write!(f, "{}.{}", &digits[..point], &digits[point..])
        } else if self.exponent < 0 && -self.exponent - length <= 40 {
            f.write_str("0.")?;
            for _ in 0..(-self.exponent - length) {
                f.write_str("0")?;
            }
            f.write_str(&digits)
        } else {
            write!(f, "{digits}E{}", self.exponent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn parses_and_prints_dynamodb_numbers() {
        for (text, shown) in [
            ("0", "0"),
            ("-0.00", "0"),
            ("12.50", "12.5"),
            ("-12.5", "-12.5"),
            (".5", "0.5"),
            ("1E+3", "1000"),
            ("1.5e-3", "0.0015"),
            (
                "99999999999999999999999999999999999999",
                "99999999999999999999999999999999999999",
            ),
            ("1E+125", "1E125"),
            ("1E-130", "1E-130"),
        ] {
            assert_eq!(d(text).to_string(), shown, "{text}");
        }
        for bad in ["", "-", ".", "1.2.3", "1e", "x", "1e+x", "--1"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn adds_and_subtracts_exactly() {
        for (a, b, sum, difference) in [
            ("0", "9", "9", "-9"),
            ("5", "9", "14", "-4"),
            ("0.1", "0.2", "0.3", "-0.1"),
            ("-10", "-2.5", "-12.5", "-7.5"),
            ("100", "-0.001", "99.999", "100.001"),
            (
                "1E+30",
                "1E-10",
                "1000000000000000000000000000000.0000000001",
                "999999999999999999999999999999.9999999999",
            ),
            (
                "170141183460469231731687303715884105727",
                "1",
                "170141183460469231731687303715884105728",
                "170141183460469231731687303715884105726",
            ),
        ] {
            assert_eq!(d(a).add(&d(b)).to_string(), sum, "{a} + {b}");
            assert_eq!(d(a).sub(&d(b)).to_string(), difference, "{a} - {b}");
        }
    }

    #[test]
    fn orders_like_numbers() {
        assert!(d("-4") < d("0"));
        assert!(d("0.30") == d("0.3"));
        assert!(d("1E+2") > d("99.99"));
        assert!(d("-1E+2") < d("-99.99"));
        assert_eq!(Decimal::from_f64(0.1).unwrap(), d("0.1"));
        assert_eq!(Decimal::from_i128(-7), d("-7"));
    }
}
