//! PLACEHOLDER: not yet encoded.
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::Evaluation;
pub const NUMBER: &str = "?";
pub const STATEMENT: &str = "not yet encoded";
pub const HYPOTHESES: &[&str] = &[];
pub const METHOD: &str = "not yet encoded";
pub fn evaluate(_s: &Solved) -> Result<Evaluation> {
    Ok(Evaluation::unmet(vec!["not yet encoded".into()]))
}
