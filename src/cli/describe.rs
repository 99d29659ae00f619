//! `describe`: a lemma's statement, hypotheses and how it is checked.

use equal_power::lemmas;
use equal_power::{Error, Result};

pub(crate) fn describe(key: Option<&str>) -> Result<()> {
    let lemmas = match key {
        Some(k) => {
            vec![lemmas::find(k).ok_or_else(|| Error::invalid(format!("unknown lemma \"{k}\"")))?]
        }
        None => lemmas::registry(),
    };
    for l in lemmas {
        say!("Lemma {} ({})\n  {}", l.number, l.name, l.statement);
        if l.hypotheses.is_empty() {
            say!("  hypotheses: none beyond the model");
        }
        for (k, h) in l.hypotheses.iter().enumerate() {
            say!("  hypothesis {}: {h}", k + 1);
        }
        say!("  check: {}\n", l.method);
    }
    Ok(())
}
