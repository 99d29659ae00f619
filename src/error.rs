//! The one error type of the library.
//!
//! Messages are lowercase, carry no trailing period, and name the field and
//! the value that caused them, so that the binary can print them on one line.

use std::fmt;

/// What went wrong, coarsely: the binary maps every kind to exit code 2,
/// except an interruption (Ctrl-C), which exits with 130 as shells expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The instance file is not valid JSON or a number does not parse.
    Parse,
    /// The instance parses but breaks a rule of the model.
    Invalid,
    /// The fixed-point or agent solver did not reach its target.
    Solver,
    /// A NaN or an infinity arose; the message names where.
    NonFinite,
    /// Reading or writing a file failed.
    Io,
    /// The user interrupted the run; nothing was written.
    Interrupted,
}

/// An error with a kind and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    /// Builds a parse error.
    pub fn parse(message: impl Into<String>) -> Error {
        Error { kind: ErrorKind::Parse, message: message.into() }
    }

    /// Builds an invalid-instance error.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error { kind: ErrorKind::Invalid, message: message.into() }
    }

    /// Builds a solver error.
    pub fn solver(message: impl Into<String>) -> Error {
        Error { kind: ErrorKind::Solver, message: message.into() }
    }

    /// Builds a non-finite error naming where the value arose.
    pub fn non_finite(place: impl Into<String>) -> Error {
        let place = place.into();
        Error { kind: ErrorKind::NonFinite, message: format!("non-finite value in {place}") }
    }

    /// Builds an I/O error naming the path.
    pub fn io(path: &std::path::Path, err: std::io::Error) -> Error {
        Error { kind: ErrorKind::Io, message: format!("{}: {err}", path.display()) }
    }
}

impl Error {
    /// Builds the error of an interrupted run, naming the unfinished stage.
    pub fn interrupted(stage: impl Into<String>) -> Error {
        let stage = stage.into();
        Error {
            kind: ErrorKind::Interrupted,
            message: format!("interrupted during {stage}: none of its files was written"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
