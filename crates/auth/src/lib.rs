//! Authentication: AWS SigV4 verification, JWT authorization tokens, key generation.
