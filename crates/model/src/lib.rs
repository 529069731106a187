//! The vocabulary of Tributary: names of domains, repositories and external connections, package
//! formats, the records of packages and repositories, and the error kinds every layer maps its
//! failures to. Pure: no I/O.
//!
//! Name rules follow the CodeArtifact API model (`codeartifact/2018-09-22/service-2.json`).

pub mod archive;
pub mod digest;
pub mod error;
pub mod external;
pub mod format;
pub mod names;
pub mod package;
pub mod package_group;
pub mod records;
pub mod release_age;
pub mod view;

pub use error::{ErrorKind, ResourceType, ServiceError};
pub use external::{ExternalConnection, KNOWN_EXTERNAL_CONNECTIONS, connection_format, custom_connection_format};
pub use format::PackageFormat;
pub use names::{AccountId, DomainName, NameError, RepositoryName};
pub use package::{
    Dependency, License, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, VersionMetadata,
    VersionOrigin, VersionStatus,
};
