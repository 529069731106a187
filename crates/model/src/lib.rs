//! Domain vocabulary of Tributary: names, formats, statuses, errors. No I/O.
