//! Content-addressed blob stores: filesystem and S3.
