//! Instance files: JSON whose numbers are decimal strings or fractions.
//!
//! A JSON integer is accepted as it is exact; a JSON number with a fraction
//! or an exponent is refused, because serde would hand it over as a binary
//! float and "0.1" would already be lost.
//!
//! ```json
//! {
//!   "name": "triangle",
//!   "n": "1e6",
//!   "alpha": { "power_of_n": "-7/8", "coefficient": "1" },
//!   "gamma": "1/100",
//!   "weight_box": { "min": "1", "max": "1" },
//!   "outcome_set": { "box": { "lo": ["0", "0"], "hi": ["1", "1"] } },
//!   "population": { "types": [ { "y": ["0", "0"], "w": ["1", "1"], "mass": "1" } ] }
//! }
//! ```
//!
//! A density replaces `types` by `cells`, each `{ "lo": [..], "hi": [..], "w": [..], "mass": ".." }`.
//! Optional fields: `epsilon` (Lemma 5.3's cell side) and `start`
//! (`"lower"`, `"upper"` or a number: the fixed-point solver's starting scaling).

use std::path::Path;

use rug::Rational;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::numeric::parse_exact;
use crate::population::{
    AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start, MAX_TYPES,
};

/// The largest instance file read, in bytes: far above any real population,
/// low enough that a stray multi-gigabyte file is refused before parsing.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Reads and validates an instance file.
///
/// # Errors
///
/// Fails with a one-line message naming the field and value at fault.
pub fn load(path: &Path) -> Result<Instance> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::parse(format!(
            "{}: file has {} bytes, more than the limit of {MAX_FILE_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    from_str(&text)
        .map_err(|e| Error { kind: e.kind, message: format!("{}: {}", path.display(), e.message) })
}

/// Parses and validates an instance from JSON text.
///
/// # Errors
///
/// Fails with a one-line message naming the field and value at fault.
pub fn from_str(text: &str) -> Result<Instance> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| Error::parse(format!("not valid JSON: {e}")))?;
    from_value(&value)?.validated()
}

/// Writes an instance file atomically: a temporary file renamed into place.
///
/// # Errors
///
/// Fails when the file cannot be written.
pub fn save(path: &Path, instance: &Instance, extra: Option<Value>) -> Result<()> {
    let mut value = to_value(instance);
    if let (Some(Value::Object(extra)), Value::Object(map)) = (extra, &mut value) {
        map.insert("provenance".to_string(), Value::Object(extra));
    }
    let text = serde_json::to_string_pretty(&value).expect("JSON values always serialise");
    crate::report::write_atomically(path, &(text + "\n"))
}

/// Converts an instance to its JSON form, numbers as exact strings.
pub fn to_value(instance: &Instance) -> Value {
    let alpha = match &instance.alpha {
        Alpha::Exact(a) => json!(a.to_string()),
        Alpha::PowerOfN { coefficient, exponent } => json!({
            "power_of_n": exponent.to_string(),
            "coefficient": coefficient.to_string(),
        }),
    };
    let outcome_set = match &instance.outcome_set {
        OutcomeSet::Box { lo, hi } => json!({ "box": { "lo": strings(lo), "hi": strings(hi) } }),
        OutcomeSet::Ball { center, radius } => {
            json!({ "ball": { "center": strings(center), "radius": radius.to_string() } })
        }
    };
    let population = match &instance.population {
        Population::Finite(types) => json!({ "types": types.iter().map(|t| json!({
            "y": strings(&t.y), "w": strings(&t.w), "mass": t.mass.to_string(),
        })).collect::<Vec<_>>() }),
        Population::Density(cells) => json!({ "cells": cells.iter().map(|c| json!({
            "lo": strings(&c.lo), "hi": strings(&c.hi), "w": strings(&c.w),
            "mass": c.mass.to_string(),
        })).collect::<Vec<_>>() }),
    };
    let start = match &instance.start {
        Start::LowerCorner => json!("lower"),
        Start::UpperCorner => json!("upper"),
        Start::Constant(c) => json!(c.to_string()),
    };
    let mut map = Map::new();
    map.insert("name".into(), json!(instance.name));
    map.insert("n".into(), json!(instance.n.to_string()));
    map.insert("alpha".into(), alpha);
    map.insert("gamma".into(), json!(instance.gamma.to_string()));
    map.insert(
        "weight_box".into(),
        json!({ "min": instance.w_min.to_string(), "max": instance.w_max.to_string() }),
    );
    map.insert("outcome_set".into(), outcome_set);
    map.insert("population".into(), population);
    if let Some(eps) = &instance.epsilon {
        map.insert("epsilon".into(), json!(eps.to_string()));
    }
    map.insert("start".into(), start);
    Value::Object(map)
}

fn strings(v: &[Rational]) -> Vec<String> {
    v.iter().map(|r| r.to_string()).collect()
}

fn from_value(v: &Value) -> Result<Instance> {
    let top = object(v, "instance")?;
    let name = match top.get("name") {
        Some(Value::String(s)) if s.chars().any(char::is_control) => {
            return Err(Error::parse("name must not contain control characters"));
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(Error::parse(format!("name must be a string, got {}", short(other))))
        }
        None => "unnamed".to_string(),
    };
    let n = number(field(top, "n", "")?, "n")?;
    let alpha = parse_alpha(field(top, "alpha", "")?)?;
    let gamma = number(field(top, "gamma", "")?, "gamma")?;
    let wbox = object(field(top, "weight_box", "")?, "weight_box")?;
    known_keys(wbox, "weight_box", &["min", "max"])?;
    let w_min = number(field(wbox, "min", "weight_box.")?, "weight_box.min")?;
    let w_max = number(field(wbox, "max", "weight_box.")?, "weight_box.max")?;
    let outcome_set = parse_outcome_set(field(top, "outcome_set", "")?)?;
    let population = parse_population(field(top, "population", "")?)?;
    let epsilon = top.get("epsilon").map(|e| number(e, "epsilon")).transpose()?;
    let start = match top.get("start") {
        None => Start::LowerCorner,
        Some(Value::String(s)) if s == "lower" => Start::LowerCorner,
        Some(Value::String(s)) if s == "upper" => Start::UpperCorner,
        Some(other) => Start::Constant(number(other, "start")?),
    };
    for key in top.keys() {
        let known = [
            "name",
            "n",
            "alpha",
            "gamma",
            "weight_box",
            "outcome_set",
            "population",
            "epsilon",
            "start",
            "provenance",
            "comment",
        ];
        if !known.contains(&key.as_str()) {
            return Err(Error::parse(format!("unknown field \"{key}\" in instance")));
        }
    }
    Ok(Instance { name, n, alpha, gamma, w_min, w_max, outcome_set, population, epsilon, start })
}

fn parse_alpha(v: &Value) -> Result<Alpha> {
    if let Value::Object(map) = v {
        known_keys(map, "alpha", &["power_of_n", "coefficient"])?;
        let exponent = number(field(map, "power_of_n", "alpha.")?, "alpha.power_of_n")?;
        let coefficient = match map.get("coefficient") {
            Some(c) => number(c, "alpha.coefficient")?,
            None => Rational::from(1),
        };
        return Ok(Alpha::PowerOfN { coefficient, exponent });
    }
    Ok(Alpha::Exact(number(v, "alpha")?))
}

fn parse_outcome_set(v: &Value) -> Result<OutcomeSet> {
    let map = object(v, "outcome_set")?;
    known_keys(map, "outcome_set", &["box", "ball"])?;
    if map.len() != 1 {
        return Err(Error::parse("outcome_set must have exactly one of \"box\" and \"ball\""));
    }
    if let Some(b) = map.get("box") {
        let b = object(b, "outcome_set.box")?;
        known_keys(b, "outcome_set.box", &["lo", "hi"])?;
        let lo = numbers(field(b, "lo", "outcome_set.box.")?, "outcome_set.box.lo")?;
        let hi = numbers(field(b, "hi", "outcome_set.box.")?, "outcome_set.box.hi")?;
        if lo.len() != hi.len() {
            return Err(Error::invalid(format!(
                "outcome_set.box.hi must have {} entries like lo, got {}",
                lo.len(),
                hi.len()
            )));
        }
        return Ok(OutcomeSet::Box { lo, hi });
    }
    if let Some(b) = map.get("ball") {
        let b = object(b, "outcome_set.ball")?;
        known_keys(b, "outcome_set.ball", &["center", "radius"])?;
        let center = numbers(field(b, "center", "outcome_set.ball.")?, "outcome_set.ball.center")?;
        let radius = number(field(b, "radius", "outcome_set.ball.")?, "outcome_set.ball.radius")?;
        return Ok(OutcomeSet::Ball { center, radius });
    }
    Err(Error::parse("outcome_set must have a \"box\" or a \"ball\" field"))
}

fn parse_population(v: &Value) -> Result<Population> {
    let map = object(v, "population")?;
    known_keys(map, "population", &["types", "cells"])?;
    if map.len() != 1 {
        return Err(Error::parse("population must have exactly one of \"types\" and \"cells\""));
    }
    if let Some(types) = map.get("types") {
        let list = array(types, "population.types")?;
        too_many("population.types", list.len())?;
        let mut out = Vec::with_capacity(list.len());
        for (k, t) in list.iter().enumerate() {
            let at = format!("types[{k}]");
            let t = object(t, &at)?;
            known_keys(t, &at, &["y", "w", "mass"])?;
            out.push(AgentType {
                y: numbers(field(t, "y", &format!("{at}."))?, &format!("{at}.y"))?,
                w: numbers(field(t, "w", &format!("{at}."))?, &format!("{at}.w"))?,
                mass: number(field(t, "mass", &format!("{at}."))?, &format!("{at}.mass"))?,
            });
        }
        return Ok(Population::Finite(out));
    }
    if let Some(cells) = map.get("cells") {
        let list = array(cells, "population.cells")?;
        too_many("population.cells", list.len())?;
        let mut out = Vec::with_capacity(list.len());
        for (k, c) in list.iter().enumerate() {
            let at = format!("cells[{k}]");
            let c = object(c, &at)?;
            known_keys(c, &at, &["lo", "hi", "w", "mass"])?;
            out.push(Cell {
                lo: numbers(field(c, "lo", &format!("{at}."))?, &format!("{at}.lo"))?,
                hi: numbers(field(c, "hi", &format!("{at}."))?, &format!("{at}.hi"))?,
                w: numbers(field(c, "w", &format!("{at}."))?, &format!("{at}.w"))?,
                mass: number(field(c, "mass", &format!("{at}."))?, &format!("{at}.mass"))?,
            });
        }
        return Ok(Population::Density(out));
    }
    Err(Error::parse("population must have a \"types\" or a \"cells\" field"))
}

/// Refuses a population beyond [`MAX_TYPES`] before parsing its numbers.
fn too_many(at: &str, len: usize) -> Result<()> {
    if len > MAX_TYPES {
        return Err(Error::invalid(format!(
            "{at} must have at most {MAX_TYPES} entries, got {len}"
        )));
    }
    Ok(())
}

/// Refuses a key outside `known`: a typo must not fall back to a default.
fn known_keys(map: &Map<String, Value>, at: &str, known: &[&str]) -> Result<()> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(Error::parse(format!("unknown field \"{key}\" in {at}"))),
        None => Ok(()),
    }
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| Error::parse(format!("{at} must be an object, got {}", short(v))))
}

fn array<'a>(v: &'a Value, at: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| Error::parse(format!("{at} must be an array, got {}", short(v))))
}

fn field<'a>(map: &'a Map<String, Value>, key: &str, prefix: &str) -> Result<&'a Value> {
    map.get(key).ok_or_else(|| Error::parse(format!("missing field {prefix}{key}")))
}

fn numbers(v: &Value, at: &str) -> Result<Vec<Rational>> {
    array(v, at)?.iter().enumerate().map(|(j, e)| number(e, &format!("{at}[{j}]"))).collect()
}

/// Reads an exact number: a decimal or fraction string, or a JSON integer.
fn number(v: &Value, at: &str) -> Result<Rational> {
    match v {
        Value::String(s) => parse_exact(at, s),
        Value::Number(num) if num.is_i64() || num.is_u64() => parse_exact(at, &num.to_string()),
        Value::Number(num) => Err(Error::parse(format!(
            "{at} must be written as a string (\"{num}\"): JSON numbers other than machine \
             integers would pass through binary floating point"
        ))),
        other => Err(Error::parse(format!(
            "{at} must be a decimal string or a fraction, got {}",
            short(other)
        ))),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// An instance serialises as its instance file's JSON, exactly.
impl serde::Serialize for Instance {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        to_value(self).serialize(serializer)
    }
}

/// An instance deserialises from its file's JSON, validated like a file.
impl<'de> serde::Deserialize<'de> for Instance {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        from_value(&value).and_then(Instance::validated).map_err(serde::de::Error::custom)
    }
}
